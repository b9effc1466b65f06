import { Migration } from "@mikro-orm/migrations";

export class Migration20261204234145 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "deliveries" ("id" uuid not null, "notification_id" varchar(64) not null, "organization_id" varchar(64) not null, "channel" text check ("channel" in ('IN_APP', 'EMAIL', 'SMS', 'SLACK', 'WEBHOOK')) not null, "destination" text not null, "status" text check ("status" in ('PENDING', 'SENDING', 'SENT', 'FAILED', 'DEAD')) not null default 'PENDING', "attempts" int not null default 0, "last_error" text null, "provider_message_id" varchar(200) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_attempt_at" timestamptz null, "sent_at" timestamptz null, constraint "deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "deliveries_notification_id_created_at_index" on "deliveries" ("notification_id", "created_at");`,
    );

    this.addSql(
      `alter table "notifications" add column "severity" varchar(16) null, add column "source_event_id" varchar(64) null;`,
    );
    this.addSql(
      `alter table "notifications" alter column "user_id" type varchar(64) using ("user_id"::varchar(64));`,
    );
    this.addSql(`alter table "notifications" alter column "user_id" drop not null;`);
    this.addSql(
      `alter table "notifications" add constraint "notifications_source_event_id_unique" unique ("source_event_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "deliveries" cascade;`);

    this.addSql(
      `alter table "notifications" drop constraint "notifications_source_event_id_unique";`,
    );
    this.addSql(
      `alter table "notifications" drop column "severity", drop column "source_event_id";`,
    );

    this.addSql(
      `alter table "notifications" alter column "user_id" type varchar(64) using ("user_id"::varchar(64));`,
    );
    this.addSql(`alter table "notifications" alter column "user_id" set not null;`);
  }
}
