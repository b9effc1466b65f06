import type { MigrationEntry } from "@rampart/kit/stores";
import { Migration20261128021943 } from "./Migration20261128021943";
import { Migration20261204234028 } from "./Migration20261204234028";
import { Migration20261204235729 } from "./Migration20261204235729";
import { Migration20261205000647 } from "./Migration20261205000647";

/** Committed migrations, oldest first. Create new ones with kit's create-migration tool. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261128021943", class: Migration20261128021943 },
  { name: "Migration20261204234028", class: Migration20261204234028 },
  { name: "Migration20261204235729", class: Migration20261204235729 },
  { name: "Migration20261205000647", class: Migration20261205000647 },
];
