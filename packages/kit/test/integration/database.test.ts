import "reflect-metadata";
import { Entity, PrimaryKey, Property } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";
import { openDatabase } from "../../src/stores";
import { dropSchema, testServices, uniqueName } from "../../src/testing";

@Entity({ tableName: "widgets" })
class Widget {
  @PrimaryKey({ type: "string" })
  id!: string;

  @Property({ type: "integer" })
  size!: number;
}

class CreateWidgets extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "widgets" ("id" varchar(255) not null primary key, "size" int not null);`,
    );
  }
}

const migrations = [{ name: "CreateWidgets", class: CreateWidgets }];
const { databaseUrl } = testServices();
const engines = [
  { engine: "pglite", databaseUrl: undefined },
  ...(databaseUrl ? [{ engine: "postgres", databaseUrl }] : []),
];

describe.each(engines)("openDatabase on $engine", ({ engine, databaseUrl: url }) => {
  it("migrates into its own schema, once, and keeps two schemas apart", async () => {
    const [first, second] = [uniqueName("kit_db"), uniqueName("kit_db")];
    const options = {
      entities: [Widget],
      migrations,
      databaseUrl: url,
      pgliteDataDir: "memory://",
    };
    const a = await openDatabase({ ...options, schema: first });
    try {
      expect(a.engine).toBe(engine);
      await a.orm.em.fork().insert(Widget, { id: "w1", size: 3 });
      // Running the migrations again is a no-op.
      await expect(a.orm.getMigrator().up()).resolves.toEqual([]);
      expect(await a.ping()).toBeGreaterThanOrEqual(0);
      if (url) {
        const b = await openDatabase({ ...options, schema: second });
        try {
          expect(await b.orm.em.fork().count(Widget)).toBe(0);
          expect(await a.orm.em.fork().count(Widget)).toBe(1);
        } finally {
          await b.close();
          await dropSchema(url, second);
        }
      }
    } finally {
      await a.close();
      if (url) await dropSchema(url, first);
    }
  });
});

it("refuses an unsafe schema name", async () => {
  await expect(
    openDatabase({ schema: 'x"; drop table y; --', entities: [Widget], migrations }),
  ).rejects.toThrow(/invalid schema name/);
});
