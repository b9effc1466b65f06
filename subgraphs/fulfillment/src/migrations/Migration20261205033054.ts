import { Migration } from "@mikro-orm/migrations";

export class Migration20261205033054 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "shipment_events" drop constraint if exists "shipment_events_outcome_check";`,
    );
    // Notify steps recorded before notices were handed to notifications sent nothing: say so.
    this.addSql(
      `update "shipment_events" set "outcome" = 'SKIPPED', "detail" = 'recorded before customer notices were sent: nothing was sent' where "outcome" = 'RECORDED';`,
    );

    this.addSql(
      `alter table "shipments" add column "customer_email" varchar(254) null, add column "customer_phone" varchar(16) null;`,
    );

    this.addSql(
      `alter table "shipment_events" add constraint "shipment_events_outcome_check" check("outcome" in ('APPLIED', 'IGNORED', 'FAILED', 'QUEUED', 'SKIPPED'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "shipment_events" drop constraint if exists "shipment_events_outcome_check";`,
    );
    this.addSql(
      `update "shipment_events" set "outcome" = 'RECORDED' where "outcome" in ('QUEUED', 'SKIPPED');`,
    );

    this.addSql(
      `alter table "shipment_events" add constraint "shipment_events_outcome_check" check("outcome" in ('APPLIED', 'IGNORED', 'FAILED', 'RECORDED'));`,
    );

    this.addSql(
      `alter table "shipments" drop column "customer_email", drop column "customer_phone";`,
    );
  }
}
