import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { MikroORM, type Options } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import type { Migration } from "@mikro-orm/migrations";
import { PGliteDriver, type PGliteConnectionConfig } from "mikro-orm-pglite";

/** A committed migration class, listed explicitly so `tsc` output and tests load the same set. */
export interface MigrationEntry {
  /** The migration's name as recorded in the migrations table. */
  name: string;
  /** The migration class. */
  class: new (...args: ConstructorParameters<typeof Migration>) => Migration;
}

/** Options for {@link openDatabase}. */
export interface DatabaseOptions {
  /** PostgreSQL schema holding this subgraph's tables (one schema per subgraph). */
  schema: string;
  /** Entity classes. */
  entities: NonNullable<Options["entities"]>;
  /** Committed migrations, oldest first. */
  migrations: readonly MigrationEntry[];
  /** PostgreSQL URL; when unset, PGlite runs in process. */
  databaseUrl?: string;
  /** PGlite data folder; `memory://` keeps nothing. Used only without `databaseUrl`. */
  pgliteDataDir?: string;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
}

/** An open database: the ORM and which engine backs it. */
export interface Database {
  /** The MikroORM instance; fork its `em` per request. */
  readonly orm: MikroORM;
  /** `postgres` for a server, `pglite` for the embedded engine. */
  readonly engine: "postgres" | "pglite";
  /** Round-trip time of a trivial query in ms; rejects when the database is unreachable. */
  ping(): Promise<number>;
  /** Closes the ORM (and PGlite, when owned). */
  close(): Promise<void>;
}

const quoteIdentifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${name}`);
  return `"${name}"`;
};

/**
 * Opens the subgraph's database: PostgreSQL when `databaseUrl` is set, otherwise PGlite.
 * Tables live in `schema`, selected through `search_path`, so migrations carry no schema name
 * and the same migrations serve every schema (tests use throw-away schemas).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schema = quoteIdentifier(options.schema);
  const common = {
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      tableName: `${options.schema}.mikro_orm_migrations`,
      migrationsList: options.migrations.map((m) => ({ name: m.name, class: m.class })),
      snapshot: false,
      silent: true,
      transactional: true,
      allOrNothing: true,
    },
    allowGlobalContext: false,
    ensureDatabase: false,
    // A reader with plain SQL (`rampart audit verify`) opens the database with no entities.
    discovery: { warnWhenNoEntities: options.entities.length > 0 },
  } satisfies Partial<Options>;

  let orm: MikroORM;
  let pglite: PGlite | undefined;
  if (options.databaseUrl) {
    // MikroORM parses clientUrl itself and drops its query, so search_path goes through pg's options.
    orm = await MikroORM.init({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: options.databaseUrl,
      driverOptions: { connection: { options: `-c search_path=${options.schema}` } },
    });
    // Only when missing: `create schema if not exists` needs CREATE on the database even when
    // the schema exists, and a subgraph's role owns its schema but may not create others
    // (compose/postgres/initdb/10-rampart-roles.sh).
    const found = await orm.em
      .getConnection()
      .execute("select 1 from pg_namespace where nspname = ?", [options.schema]);
    if (found.length === 0) {
      // `schema` passed quoteIdentifier, and an identifier cannot be a query parameter.
      const connection = orm.em.getConnection();
      // eslint-disable-next-line no-restricted-syntax
      await connection.execute(`create schema if not exists ${schema}`); // nosemgrep: rampart-sql-from-strings
    }
  } else {
    const dataDir = options.pgliteDataDir ?? "memory://";
    if (!dataDir.startsWith("memory://")) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    const db = await PGlite.create(dataDir);
    await db.exec(`create schema if not exists ${schema}; set search_path to ${schema};`);
    pglite = db;
    orm = await MikroORM.init({
      ...common,
      driver: PGliteDriver,
      dbName: "postgres",
      driverOptions: { connection: { pglite: () => db } satisfies PGliteConnectionConfig },
    });
  }
  if (options.migrate !== false) await orm.getMigrator().up();

  return {
    orm,
    engine: pglite ? "pglite" : "postgres",
    async ping() {
      const started = performance.now();
      await orm.em.getConnection().execute("select 1");
      return performance.now() - started;
    },
    async close() {
      await orm.close(true);
      await pglite?.close();
    },
  };
}
