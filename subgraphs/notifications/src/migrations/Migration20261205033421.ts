import { Migration } from "@mikro-orm/migrations";

export class Migration20261205033421 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "notifications" add column "audience" text check ("audience" in ('STAFF', 'CUSTOMER')) not null default 'STAFF', add column "shipment_id" varchar(64) null, add column "customer_notice_id" varchar(64) null;`,
    );
    this.addSql(
      `alter table "notifications" add constraint "notifications_customer_notice_id_unique" unique ("customer_notice_id");`,
    );
    this.addSql(
      `create index "notifications_organization_id_shipment_id_created_at_index" on "notifications" ("organization_id", "shipment_id", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "notifications" drop constraint "notifications_customer_notice_id_unique";`,
    );
    this.addSql(`drop index "notifications_organization_id_shipment_id_created_at_index";`);
    this.addSql(
      `alter table "notifications" drop column "audience", drop column "shipment_id", drop column "customer_notice_id";`,
    );
  }
}
