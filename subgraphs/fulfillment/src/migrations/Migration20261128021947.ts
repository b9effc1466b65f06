import { Migration } from "@mikro-orm/migrations";

export class Migration20261128021947 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "shipments" ("id" varchar(64) not null, "order_id" varchar(64) not null, "organization_id" varchar(64) not null, "carrier" varchar(64) not null, "tracking_number" varchar(64) null, "status" text check ("status" in ('LABEL_CREATED', 'IN_TRANSIT', 'DELIVERED', 'RETURNED')) not null, "shipped_at" timestamptz null, "delivered_at" timestamptz null, constraint "shipments_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "shipments_organization_id_order_id_index" on "shipments" ("organization_id", "order_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "shipments" cascade;`);
  }
}
