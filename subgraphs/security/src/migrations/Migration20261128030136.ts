import { Migration } from "@mikro-orm/migrations";

export class Migration20261128030136 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "backup_codes" ("id" uuid not null, "user_id" varchar(64) not null, "code_hash" text not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "backup_codes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "backup_codes_user_id_index" on "backup_codes" ("user_id");`);

    this.addSql(
      `create table "two_factor_credentials" ("user_id" varchar(64) not null, "sealed_secret" text not null, "enabled_at" timestamptz null, "last_used_step" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "two_factor_credentials_pkey" primary key ("user_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "backup_codes" cascade;`);

    this.addSql(`drop table if exists "two_factor_credentials" cascade;`);
  }
}
