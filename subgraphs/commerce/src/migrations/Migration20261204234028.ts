import { Migration } from "@mikro-orm/migrations";

export class Migration20261204234028 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "ai_assistant_configs" ("organization_id" varchar(64) not null, "model_name" varchar(100) not null, "temperature" double precision not null, "max_tokens" int not null, "system_prompt" text not null, "enabled_channels" jsonb not null, "business_hours" jsonb not null, "hand_off" jsonb not null, "updated_at" timestamptz not null, "updated_by" varchar(64) not null, constraint "ai_assistant_configs_pkey" primary key ("organization_id"));`,
    );

    this.addSql(
      `create table "audit_entries" ("id" uuid not null, "entity" text check ("entity" in ('AI_ASSISTANT_CONFIG', 'PAYMENT_SETTINGS')) not null, "entity_id" varchar(64) not null, "organization_id" varchar(64) not null, "action" text check ("action" in ('CREATED', 'UPDATED', 'DELETED')) not null, "actor_id" varchar(64) not null, "changes" jsonb not null, "request_id" varchar(128) null, "ip" varchar(64) null, "occurred_at" timestamptz not null, "published_at" timestamptz null, constraint "audit_entries_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "audit_entries_published_at_index" on "audit_entries" ("published_at");`,
    );
    this.addSql(
      `create index "audit_entries_entity_entity_id_occurred_at_index" on "audit_entries" ("entity", "entity_id", "occurred_at");`,
    );

    this.addSql(
      `create table "payment_settings" ("organization_id" varchar(64) not null, "provider" text check ("provider" in ('STRIPE', 'ADYEN', 'PAYPAL', 'MOLLIE')) not null, "publishable_key" varchar(255) not null, "secret_key_sealed" text not null, "webhook_signing_secret_sealed" text not null, "payout_schedule" text check ("payout_schedule" in ('DAILY', 'WEEKLY', 'MONTHLY', 'MANUAL')) not null, "currency" varchar(3) not null, "updated_at" timestamptz not null, "updated_by" varchar(64) not null, constraint "payment_settings_pkey" primary key ("organization_id"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "ai_assistant_configs" cascade;`);

    this.addSql(`drop table if exists "audit_entries" cascade;`);

    this.addSql(`drop table if exists "payment_settings" cascade;`);
  }
}
