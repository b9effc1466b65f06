import { Migration } from "@mikro-orm/migrations";

export class Migration20261128110000SecurityEvents extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "security_events" ("id" uuid not null, "sequence" bigint not null, "type" text not null, "severity" text not null, "actor_id" text null, "organization_id" text null, "ip" text null, "reason" text not null, "request_id" text null, "occurred_at" timestamptz not null, "stream_id" text not null, "previous_hash" text not null, "hash" text not null, constraint "security_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "security_events" add constraint "security_events_sequence_unique" unique ("sequence");`,
    );
    this.addSql(
      `create index "security_events_occurred_at_index" on "security_events" ("occurred_at");`,
    );
    this.addSql(
      `create index "security_events_type_sequence_index" on "security_events" ("type", "sequence");`,
    );
    this.addSql(
      `create index "security_events_severity_sequence_index" on "security_events" ("severity", "sequence");`,
    );
    this.addSql(
      `create index "security_events_organization_id_sequence_index" on "security_events" ("organization_id", "sequence");`,
    );
    this.addSql(
      `create index "security_events_actor_id_sequence_index" on "security_events" ("actor_id", "sequence");`,
    );
    this.addSql(
      `create index "security_events_ip_sequence_index" on "security_events" ("ip", "sequence");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "security_events" cascade;`);
  }
}
