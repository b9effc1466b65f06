import type { MigrationEntry } from "@rampart/kit/stores";
import { Migration20261128021940 } from "./Migration20261128021940";
import { Migration20261128030136 } from "./Migration20261128030136";
import { Migration20261128100000IpAllowlist } from "./Migration20261128100000IpAllowlist";
import { Migration20261128110000SecurityEvents } from "./Migration20261128110000SecurityEvents";
import { Migration20261128120000Alerts } from "./Migration20261128120000Alerts";

/** Committed migrations, oldest first. Create new ones with kit's create-migration tool. */
export const migrations: MigrationEntry[] = [
  { name: "Migration20261128021940", class: Migration20261128021940 },
  { name: "Migration20261128030136", class: Migration20261128030136 },
  { name: "Migration20261128100000IpAllowlist", class: Migration20261128100000IpAllowlist },
  { name: "Migration20261128110000SecurityEvents", class: Migration20261128110000SecurityEvents },
  { name: "Migration20261128120000Alerts", class: Migration20261128120000Alerts },
];
