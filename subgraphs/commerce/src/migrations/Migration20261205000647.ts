import { Migration } from "@mikro-orm/migrations";

export class Migration20261205000647 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "storefront_pages" ("id" uuid not null, "organization_id" varchar(64) not null, "path" varchar(200) not null, "draft_blocks" jsonb not null, "draft_updated_at" timestamptz not null, "draft_updated_by" varchar(64) not null, "published_version" int null, constraint "storefront_pages_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "storefront_pages" add constraint "storefront_pages_organization_id_path_unique" unique ("organization_id", "path");`,
    );

    this.addSql(
      `create table "storefront_page_versions" ("id" uuid not null, "page_id" uuid not null, "organization_id" varchar(64) not null, "number" int not null, "blocks" jsonb not null, "published_at" timestamptz not null, "published_by" varchar(64) not null, constraint "storefront_page_versions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "storefront_page_versions_organization_id_index" on "storefront_page_versions" ("organization_id");`,
    );
    this.addSql(
      `alter table "storefront_page_versions" add constraint "storefront_page_versions_page_id_number_unique" unique ("page_id", "number");`,
    );

    this.addSql(
      `alter table "audit_entries" drop constraint if exists "audit_entries_entity_check";`,
    );

    this.addSql(
      `alter table "audit_entries" add constraint "audit_entries_entity_check" check("entity" in ('AI_ASSISTANT_CONFIG', 'PAYMENT_SETTINGS', 'KYC_VERIFICATION', 'STOREFRONT_PAGE'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "storefront_pages" cascade;`);

    this.addSql(`drop table if exists "storefront_page_versions" cascade;`);

    this.addSql(
      `alter table "audit_entries" drop constraint if exists "audit_entries_entity_check";`,
    );

    this.addSql(
      `alter table "audit_entries" add constraint "audit_entries_entity_check" check("entity" in ('AI_ASSISTANT_CONFIG', 'PAYMENT_SETTINGS', 'KYC_VERIFICATION'));`,
    );
  }
}
