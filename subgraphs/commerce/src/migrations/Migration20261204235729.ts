import { Migration } from "@mikro-orm/migrations";

export class Migration20261204235729 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "kyc_verifications" ("organization_id" varchar(64) not null, "status" text check ("status" in ('DRAFT', 'SUBMITTED', 'IN_REVIEW', 'APPROVED', 'REJECTED')) not null, "version" int not null, "country" varchar(2) null, "details_sealed" text not null, "rejection_reason" text null, "submitted_at" timestamptz null, "reviewed_at" timestamptz null, "reviewed_by" varchar(64) null, "updated_at" timestamptz not null, "updated_by" varchar(64) not null, constraint "kyc_verifications_pkey" primary key ("organization_id"));`,
    );
    this.addSql(
      `create index "kyc_verifications_status_submitted_at_index" on "kyc_verifications" ("status", "submitted_at");`,
    );

    this.addSql(
      `alter table "audit_entries" drop constraint if exists "audit_entries_entity_check";`,
    );

    this.addSql(
      `alter table "audit_entries" add constraint "audit_entries_entity_check" check("entity" in ('AI_ASSISTANT_CONFIG', 'PAYMENT_SETTINGS', 'KYC_VERIFICATION'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "kyc_verifications" cascade;`);

    this.addSql(
      `alter table "audit_entries" drop constraint if exists "audit_entries_entity_check";`,
    );

    this.addSql(
      `alter table "audit_entries" add constraint "audit_entries_entity_check" check("entity" in ('AI_ASSISTANT_CONFIG', 'PAYMENT_SETTINGS'));`,
    );
  }
}
