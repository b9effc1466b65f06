import { Migration } from "@mikro-orm/migrations";

export class Migration20261205033248 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "channel_preferences" add column "signing_secret_sealed" text null, add column "signing_secret_version" int not null default 0;`,
    );

    this.addSql(`alter table "deliveries" add column "preference_id" uuid null;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "channel_preferences" drop column "signing_secret_sealed", drop column "signing_secret_version";`,
    );

    this.addSql(`alter table "deliveries" drop column "preference_id";`);
  }
}
