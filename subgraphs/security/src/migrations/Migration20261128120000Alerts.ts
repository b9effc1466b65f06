import { Migration } from "@mikro-orm/migrations";

export class Migration20261128120000Alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "security_alerts" ("id" uuid not null, "rule" text not null, "dedup_key" text not null, "severity" text not null, "status" text check ("status" in ('open', 'acknowledged', 'resolved')) not null, "title" text not null, "summary" text not null, "occurrences" int not null, "first_seen_at" timestamptz not null, "last_seen_at" timestamptz not null, "acknowledged_by_id" text null, "acknowledged_at" timestamptz null, "acknowledgement_note" text null, "resolved_by_id" text null, "resolved_at" timestamptz null, "resolution_note" text null, constraint "security_alerts_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "security_alerts_first_seen_at_index" on "security_alerts" ("first_seen_at");`,
    );
    this.addSql(
      `create index "security_alerts_status_first_seen_at_index" on "security_alerts" ("status", "first_seen_at");`,
    );
    // One unresolved alert per dedup key, whatever the code does.
    this.addSql(
      `create unique index "security_alerts_unresolved_dedup_key_unique" on "security_alerts" ("dedup_key") where "status" <> 'resolved';`,
    );
    this.addSql(
      `create table "security_event_checkpoints" ("name" text not null, "sequence" bigint not null, "event_id" text null, "hash" text null, "updated_at" timestamptz not null, constraint "security_event_checkpoints_pkey" primary key ("name"));`,
    );
    this.addSql(
      `create index "security_events_type_occurred_at_index" on "security_events" ("type", "occurred_at");`,
    );
    // Alert rules start with the events stored from now on: history raises no alerts.
    this.addSql(
      `insert into "security_event_checkpoints" ("name", "sequence", "updated_at") select 'alert-rules', coalesce(max("sequence"), 0), now() from "security_events";`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "security_events_type_occurred_at_index";`);
    this.addSql(`drop table if exists "security_event_checkpoints" cascade;`);
    this.addSql(`drop table if exists "security_alerts" cascade;`);
  }
}
