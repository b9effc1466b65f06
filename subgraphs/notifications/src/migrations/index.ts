import type { MigrationEntry } from "@rampart/kit/stores";
import { Migration20261128021945 } from "./Migration20261128021945";
import { Migration20261204234145 } from "./Migration20261204234145";
import { Migration20261204235820 } from "./Migration20261204235820";
import { Migration20261205000104 } from "./Migration20261205000104";
import { Migration20261205033248 } from "./Migration20261205033248";
import { Migration20261205033421 } from "./Migration20261205033421";

/** Committed migrations, oldest first. Create new ones with kit's create-migration tool. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261128021945", class: Migration20261128021945 },
  { name: "Migration20261204234145", class: Migration20261204234145 },
  { name: "Migration20261204235820", class: Migration20261204235820 },
  { name: "Migration20261205000104", class: Migration20261205000104 },
  { name: "Migration20261205033248", class: Migration20261205033248 },
  { name: "Migration20261205033421", class: Migration20261205033421 },
];
