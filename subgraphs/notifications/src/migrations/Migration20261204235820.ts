import { Migration } from "@mikro-orm/migrations";

export class Migration20261204235820 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications" add column "archived_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notifications" drop column "archived_at";`);
  }
}
