import { Migration } from "@mikro-orm/migrations";

export class Migration20261205000104 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "channel_preferences" ("id" uuid not null, "organization_id" varchar(64) not null, "recipient_id" varchar(64) not null, "channel" text check ("channel" in ('IN_APP', 'EMAIL', 'SMS', 'SLACK', 'WEBHOOK')) not null, "destination" text not null, "min_severity" varchar(16) not null, "enabled" boolean not null default true, "updated_at" timestamptz not null, constraint "channel_preferences_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "channel_preferences_organization_id_enabled_index" on "channel_preferences" ("organization_id", "enabled");`,
    );
    this.addSql(
      `alter table "channel_preferences" add constraint "channel_preferences_organization_id_recipient_id__13c27_unique" unique ("organization_id", "recipient_id", "channel", "destination");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "channel_preferences" cascade;`);
  }
}
