import { generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  anonymousIdentity,
  SecurityLevel,
  signIdentity,
  IDENTITY_HEADER,
  type Identity,
  type SubgraphOperation,
} from "../identity";
import { parseSecurityEvent, SECURITY_EVENT_STREAM, type SecurityEvent } from "../security-events";
import type { Environment } from "../config";
import type { Database } from "../stores/database";
import type { SubgraphConfig } from "../subgraph/config";
import type { SubgraphRuntime } from "../subgraph/context";
import type { Closer } from "../lifecycle";
import { runSubgraph, type StartedWork, type SubgraphDefinition } from "../subgraph/runtime";
import { postGraphQL, type GraphQLResult } from "./processes";
import { dropSchema, testServices, uniqueName } from "./services";

/** A subgraph running in the test process on a free port, with its own schema and keys. */
export interface TestSubgraph {
  /** GraphQL endpoint. */
  readonly url: string;
  /** `postgres` or `pglite`. */
  readonly engine: "postgres" | "pglite";
  /** The running subgraph's runtime (its configuration and stores). */
  readonly runtime: SubgraphRuntime<SubgraphConfig>;
  /** The subgraph's open database, to look at what it stored (a test's own reads). */
  readonly database: Database;
  /**
   * Sends an operation as `identity` (a signed assertion for this subgraph and this operation,
   * as the gateway signs one per fetch), or as anonymous.
   */
  query(
    query: string,
    options?: { identity?: Partial<Identity>; variables?: Record<string, unknown> },
  ): Promise<GraphQLResult>;
  /** Sends an operation with exactly these headers (no assertion added). */
  queryWithHeaders(query: string, headers: Record<string, string>): Promise<GraphQLResult>;
  /**
   * Calls that must be refused with 401: none, forged, for another subgraph, garbage (each
   * bound to no operation: they fail before the binding is looked at).
   */
  untrustedAssertions(): Promise<{ name: string; headers: Record<string, string> }[]>;
  /** Stops the server and drops its schema. */
  /** Security events the subgraph recorded so far, oldest first. */
  securityEvents(): Promise<SecurityEvent[]>;
  stop(): Promise<void>;
}

/** A signed-in member of `org_demo_acme`, the default caller in subgraph tests. */
export function testIdentity(overrides: Partial<Identity> = {}): Identity {
  return {
    ...anonymousIdentity("test-request"),
    userId: "user_demo_alice",
    sessionId: "sess_test",
    organizationId: "org_demo_acme",
    organizationSlug: "acme",
    role: "org:admin",
    securityLevel: SecurityLevel.SignedIn,
    ...overrides,
  };
}

/**
 * Starts a subgraph through the same code path as its process (`runSubgraph`), with its own
 * configuration (`definition.parseConfig`) on a free port and a fresh data folder: real
 * PostgreSQL in a throw-away schema when the run has one, in-memory PGlite otherwise.
 */
export async function startTestSubgraph<
  Config extends SubgraphConfig,
  Services,
  Started extends void | Closer | StartedWork = void | Closer,
>(
  definition: SubgraphDefinition<Config, Services, Started>,
  options: {
    seed?: boolean;
    /** Settings added to (or overriding) the test's environment. */
    environment?: Environment;
  } = {},
): Promise<TestSubgraph> {
  const keys = generateKeyPairSync("ed25519");
  const { databaseUrl } = testServices();
  const schemaName = uniqueName(definition.name);
  // A folder of its own: the security event spool is per data folder.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `rampart-${definition.name}-`));
  // The subgraph's own parser, so its settings keep the defaults its shape declares.
  const config = definition.parseConfig({
    PORT: "0",
    RAMPART_DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    DATABASE_URL: databaseUrl,
    GATEWAY_IDENTITY_PUBLIC_KEY: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    SEED_DEMO_DATA: options.seed === false ? "false" : "true",
    ...options.environment,
  });
  const running = await runSubgraph(definition, config, {
    schemaName,
    pgliteDataDir: "memory://",
  }).catch((error: unknown) => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const url = running.server.url;
  const sign = (
    identity: Identity,
    operation: SubgraphOperation = {},
    audience = definition.name,
    key: KeyObject = keys.privateKey,
  ) => signIdentity(identity, audience, key, operation);

  return {
    url,
    engine: running.database.engine,
    runtime: running.runtime,
    database: running.database,
    async query(query, { identity, variables } = {}) {
      const caller = identity
        ? { ...anonymousIdentity("test-request"), ...identity }
        : anonymousIdentity("test-request");
      return postGraphQL(url, query, {
        variables,
        // The same body postGraphQL sends: the assertion is bound to it.
        headers: { [IDENTITY_HEADER]: await sign(caller, { query, variables }) },
      });
    },
    queryWithHeaders: (query, headers) => postGraphQL(url, query, { headers }),
    async untrustedAssertions() {
      const forger = generateKeyPairSync("ed25519").privateKey;
      const none: Record<string, string> = {};
      return [
        { name: "no assertion", headers: none },
        {
          name: "a forged assertion",
          headers: {
            [IDENTITY_HEADER]: await sign(testIdentity(), {}, definition.name, forger),
          },
        },
        {
          name: "an assertion for another subgraph",
          headers: { [IDENTITY_HEADER]: await sign(testIdentity(), {}, "elsewhere") },
        },
        { name: "garbage", headers: { [IDENTITY_HEADER]: "garbage" } },
      ];
    },
    async securityEvents() {
      const entries = await running.runtime.stores.events.read(SECURITY_EVENT_STREAM, {
        count: 100_000,
      });
      return entries.map((entry) => parseSecurityEvent(entry.fields));
    },
    async stop() {
      await running.stop();
      if (databaseUrl) await dropSchema(databaseUrl, schemaName);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
