import type { MigrationEntry } from "@rampart/kit/stores";
import { Migration20261128021947 } from "./Migration20261128021947";
import { Migration20261205003945 } from "./Migration20261205003945";
import { Migration20261205033054 } from "./Migration20261205033054";

/** Committed migrations, oldest first. Create new ones with kit's create-migration tool. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261128021947", class: Migration20261128021947 },
  { name: "Migration20261205003945", class: Migration20261205003945 },
  { name: "Migration20261205033054", class: Migration20261205033054 },
];
