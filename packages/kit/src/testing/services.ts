import { randomBytes, randomUUID } from "node:crypto";
import { Client } from "pg";
import { createMemoryStores } from "../stores/memory";
import { createRedisStores } from "../stores/redis";
import type { Stores } from "../stores/types";

/** The real services the test run found (set by the Jest global setup); unset means embedded. */
export interface TestServices {
  /** PostgreSQL URL, when PostgreSQL answered. */
  databaseUrl?: string;
  /** Redis URL, when Redis answered. */
  redisUrl?: string;
}

/** Which real services this test run uses. */
export function testServices(): TestServices {
  return {
    databaseUrl: process.env.RAMPART_TEST_DATABASE_URL || undefined,
    redisUrl: process.env.RAMPART_TEST_REDIS_URL || undefined,
  };
}

/**
 * The stores a suite runs against: in-memory always, Redis too when the run has it (each
 * `create` in a key namespace of its own), for `describe.each`.
 */
export function storeImplementations(): { name: string; create(): Stores }[] {
  const { redisUrl } = testServices();
  return [
    { name: "memory", create: () => createMemoryStores() },
    ...(redisUrl
      ? [
          {
            name: "redis",
            create: () => createRedisStores({ url: redisUrl, keyPrefix: `test:${randomUUID()}:` }),
          },
        ]
      : []),
  ];
}

/** A lowercase identifier unique to this call, usable as a schema, database or key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Runs statements on a PostgreSQL server with a short-lived connection. */
export async function withPostgres<T>(
  url: string,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Drops a schema created by a test. */
export function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  return withPostgres(databaseUrl, async (client) => {
    await client.query(`drop schema if exists "${schema}" cascade`);
  });
}

/** A throw-away database on the test server, for tests that run whole processes. */
export interface TestDatabase {
  /** URL of the new database. */
  readonly url: string;
  /** Drops it (terminating leftover connections). */
  drop(): Promise<void>;
}

/** Creates an empty database next to `serverUrl`'s. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = uniqueName("rampart_test");
  await withPostgres(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withPostgres(serverUrl, async (client) => {
        await client.query(`drop database if exists "${name}" with (force)`);
      }),
  };
}
