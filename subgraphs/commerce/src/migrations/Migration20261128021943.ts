import { Migration } from "@mikro-orm/migrations";

export class Migration20261128021943 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "orders" ("id" varchar(64) not null, "organization_id" varchar(64) not null, "customer_id" varchar(64) not null, "status" text check ("status" in ('PENDING', 'PAID', 'FULFILLED', 'CANCELLED')) not null, "total_cents" int not null, "currency" varchar(3) not null, "created_at" timestamptz not null, constraint "orders_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "orders_organization_id_created_at_index" on "orders" ("organization_id", "created_at");`,
    );

    this.addSql(
      `create table "organizations" ("id" varchar(64) not null, "slug" varchar(100) not null, "name" varchar(200) not null, "created_at" timestamptz not null, constraint "organizations_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "organizations" add constraint "organizations_slug_unique" unique ("slug");`,
    );

    this.addSql(
      `create table "products" ("id" varchar(64) not null, "organization_id" varchar(64) not null, "sku" varchar(64) not null, "name" varchar(200) not null, "price_cents" int not null, "currency" varchar(3) not null, constraint "products_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "products_organization_id_index" on "products" ("organization_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "orders" cascade;`);

    this.addSql(`drop table if exists "organizations" cascade;`);

    this.addSql(`drop table if exists "products" cascade;`);
  }
}
