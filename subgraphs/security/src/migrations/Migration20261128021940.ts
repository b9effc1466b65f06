import { Migration } from "@mikro-orm/migrations";

export class Migration20261128021940 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "users" ("id" varchar(64) not null, "email" varchar(320) null, "display_name" varchar(200) null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
