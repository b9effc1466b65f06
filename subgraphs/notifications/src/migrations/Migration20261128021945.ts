import { Migration } from "@mikro-orm/migrations";

export class Migration20261128021945 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "notifications" ("id" varchar(64) not null, "user_id" varchar(64) not null, "organization_id" varchar(64) not null, "channel" text check ("channel" in ('IN_APP', 'EMAIL', 'SMS', 'SLACK', 'WEBHOOK')) not null, "title" varchar(200) not null, "body" text not null, "read_at" timestamptz null, "created_at" timestamptz not null, constraint "notifications_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "notifications_user_id_created_at_index" on "notifications" ("user_id", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);
  }
}
