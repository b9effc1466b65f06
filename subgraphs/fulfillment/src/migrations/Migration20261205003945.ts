import { Migration } from "@mikro-orm/migrations";

export class Migration20261205003945 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "shipment_events" ("id" varchar(64) not null, "shipment_id" varchar(64) not null, "organization_id" varchar(64) not null, "step" text check ("step" in ('REQUESTED', 'CREATE_AT_PROVIDER', 'STATUS_UPDATE', 'NOTIFY_CUSTOMER')) not null, "status" text check ("status" in ('PENDING', 'LABEL_CREATED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'RETURNED', 'READY_FOR_PICKUP', 'PICKED_UP', 'FAILED')) null, "outcome" text check ("outcome" in ('APPLIED', 'IGNORED', 'FAILED', 'RECORDED')) not null, "source" text check ("source" in ('TASK', 'CARRIER_WEBHOOK')) not null, "detail" varchar(500) null, "occurred_at" timestamptz not null, constraint "shipment_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "shipment_events_shipment_id_occurred_at_index" on "shipment_events" ("shipment_id", "occurred_at");`,
    );

    this.addSql(`alter table "shipments" drop constraint if exists "shipments_status_check";`);

    this.addSql(
      `alter table "shipments" add column "provider" text check ("provider" in ('CARRIER', 'LOCAL_DELIVERY', 'PICKUP')) not null default 'CARRIER', add column "provider_shipment_id" varchar(128) null, add column "attempts" int not null default 0, add column "created_at" timestamptz not null default now(), add column "updated_at" timestamptz not null default now();`,
    );
    this.addSql(
      `alter table "shipments" add constraint "shipments_status_check" check("status" in ('PENDING', 'LABEL_CREATED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'RETURNED', 'READY_FOR_PICKUP', 'PICKED_UP', 'FAILED'));`,
    );
    this.addSql(
      `create index "shipments_provider_provider_shipment_id_index" on "shipments" ("provider", "provider_shipment_id");`,
    );
    this.addSql(
      `create index "shipments_organization_id_created_at_index" on "shipments" ("organization_id", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "shipment_events" cascade;`);

    this.addSql(`alter table "shipments" drop constraint if exists "shipments_status_check";`);

    this.addSql(`drop index "shipments_provider_provider_shipment_id_index";`);
    this.addSql(`drop index "shipments_organization_id_created_at_index";`);
    this.addSql(
      `alter table "shipments" drop column "provider", drop column "provider_shipment_id", drop column "attempts", drop column "created_at", drop column "updated_at";`,
    );

    this.addSql(
      `alter table "shipments" add constraint "shipments_status_check" check("status" in ('LABEL_CREATED', 'IN_TRANSIT', 'DELIVERED', 'RETURNED'));`,
    );
  }
}
