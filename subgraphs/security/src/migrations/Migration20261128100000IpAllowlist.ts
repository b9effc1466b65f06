import { Migration } from "@mikro-orm/migrations";

export class Migration20261128100000IpAllowlist extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "ip_allowlist_entries" ("id" uuid not null, "ip_range" text not null, "description" text not null, "organization_id" varchar(64) null, "is_global" boolean not null, "created_by" text not null, "created_at" timestamptz not null, "expires_at" timestamptz null, constraint "ip_allowlist_entries_pkey" primary key ("id"), constraint ip_allowlist_entries_scope_check check (("is_global" and "organization_id" is null) or (not "is_global" and "organization_id" is not null)));`,
    );
    this.addSql(
      `create index "ip_allowlist_entries_organization_id_index" on "ip_allowlist_entries" ("organization_id");`,
    );
    this.addSql(
      `create unique index "ip_allowlist_entries_bootstrap_unique" on "ip_allowlist_entries" ("ip_range") where "created_by" = 'bootstrap';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "ip_allowlist_entries" cascade;`);
  }
}
