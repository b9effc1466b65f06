/**
 * The gateway's rate limits (perimeter/rate-limit) on a real Express + Apollo Server 5 server on
 * port 0, with the gateway's error masking and status plugin, against the in-memory limiter and
 * a real Redis. The caller's identity comes from test headers (`x-test-user`, `x-test-ip`), as
 * the authentication step would set it: this tests the plugin, not authentication.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import {
  anonymousIdentity,
  createLogger,
  maskUnexpected,
  SecurityLevel,
  type Identity,
} from "@rampart/kit";
import {
  createMemoryStores,
  createRedisStores,
  type RateLimiter,
  type Stores,
} from "@rampart/kit/stores";
import { testServices } from "@rampart/kit/testing";
import express from "express";
import Redis from "ioredis";
import type { GatewayContext } from "../../src/context";
import { createErrorStatusPlugin } from "../../src/perimeter/error-status";
import {
  clientNetwork,
  createRateLimit,
  type RateLimitBudgets,
  type RateLimitRefusal,
} from "../../src/perimeter/rate-limit";

const { redisUrl } = testServices();
const runPrefix = `test:${randomUUID()}:`;
const MINUTE = 60_000;

/** Small budgets, so that tests spend them quickly. */
const budgets: RateLimitBudgets = {
  anonymousPerIp: { limit: 3, windowMs: MINUTE },
  perUser: { limit: 5, windowMs: MINUTE },
  signedInPerIp: { limit: 8, windowMs: MINUTE },
  anonymousMutationsPerIp: { limit: 2, windowMs: MINUTE },
  mutationsPerUser: { limit: 3, windowMs: MINUTE },
};

const typeDefs = `#graphql
  type Query { hello: String }
  type Mutation { bump: Int }
`;

interface TestServer {
  readonly url: string;
  readonly refusals: RateLimitRefusal[];
  /** Mutations that ran. */
  bumps(): number;
  close(): Promise<void>;
}

async function startServer(
  limiter: RateLimiter,
  overrides: Partial<RateLimitBudgets> = budgets,
  { admit = true } = {},
): Promise<TestServer> {
  const refusals: RateLimitRefusal[] = [];
  let bumps = 0;
  const logger = createLogger({ service: "rate-limit-test", level: "silent" });
  const app = express();
  const httpServer = http.createServer(app);
  const rateLimit = createRateLimit({
    limiter,
    budgets: overrides,
    onRefusal: (event) => refusals.push(event),
  });
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: { Query: { hello: () => "world" }, Mutation: { bump: () => ++bumps } },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      rateLimit.plugin,
      createErrorStatusPlugin(),
    ],
    // As the gateway does: only typed errors reach the client.
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
  });
  await apollo.start();
  app.use(
    "/graphql",
    express.json(),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const ip = req.get("x-test-ip") ?? req.socket.remoteAddress ?? "unknown";
        const userId = req.get("x-test-user");
        const anonymous = anonymousIdentity(randomUUID(), ip);
        const identity: Identity = userId
          ? {
              ...anonymous,
              userId,
              sessionId: `sess_${userId}`,
              securityLevel: SecurityLevel.SignedIn,
            }
          : anonymous;
        // As caller admission does, before the session; the request carries what it drew on.
        const budget = admit ? await rateLimit.admit(identity, ip) : undefined;
        return { identity, ip, budget };
      },
    }),
  );
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    refusals,
    bumps: () => bumps,
    close: () => apollo.stop(),
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { extensions?: Record<string, unknown> }[];
  };
  code: unknown;
}

async function post(
  url: string,
  query: string,
  caller: { user?: string; ip?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (caller.user) headers["x-test-user"] = caller.user;
  if (caller.ip) headers["x-test-ip"] = caller.ip;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) });
  const body = (await response.json()) as Answer["body"];
  return {
    status: response.status,
    headers: response.headers,
    body,
    code: body.errors?.[0]?.extensions?.code,
  };
}

const query = "{ hello }";
const mutation = "mutation { bump }";
const statuses = (answers: Answer[]): number[] => answers.map((answer) => answer.status);
const count = (answers: Answer[], status: number): number =>
  answers.filter((answer) => answer.status === status).length;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
  name: string;
  open(): Stores;
}

let prefixes = 0;
const backends: Backend[] = [
  { name: "memory", open: () => createMemoryStores() },
  ...(redisUrl === undefined
    ? []
    : [
        {
          name: "redis",
          open: () => createRedisStores({ url: redisUrl, keyPrefix: `${runPrefix}${++prefixes}:` }),
        },
      ]),
];

afterAll(async () => {
  if (redisUrl === undefined) return;
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await admin.keys(`${runPrefix}*`);
    if (keys.length > 0) await admin.unlink(...keys);
  } finally {
    await admin.quit();
  }
});

describe.each(backends)("rate limits on $name", ({ open }) => {
  let stores: Stores;
  let server: TestServer;

  beforeEach(async () => {
    stores = open();
    server = await startServer(stores.rateLimiter);
  });

  afterEach(async () => {
    await server.close();
    await stores.close();
  });

  it("refuses an anonymous caller past its per-IP budget with 429, Retry-After and RateLimit-*", async () => {
    const allowed: Answer[] = [];
    for (let i = 0; i < 3; i++) allowed.push(await post(server.url, query));
    expect(statuses(allowed)).toEqual([200, 200, 200]);
    expect(allowed.map((a) => a.headers.get("ratelimit-limit"))).toEqual(["3", "3", "3"]);
    expect(allowed.map((a) => a.headers.get("ratelimit-remaining"))).toEqual(["2", "1", "0"]);
    // One request comes back every 20 s; the whole budget after 60 s.
    expect(allowed[0].headers.get("ratelimit-reset")).toBe("20");
    expect(allowed[2].headers.get("ratelimit-reset")).toBe("60");
    expect(allowed[0].headers.get("retry-after")).toBeNull();

    const refused = await post(server.url, query);
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0].extensions).toEqual({
      code: "RATE_LIMITED",
      retryAfterSeconds: 20,
    });
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(refused.headers.get("ratelimit-limit")).toBe("3");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-reset")).toBe("60");
    expect(server.refusals).toEqual([
      expect.objectContaining({
        type: "rate_limit.exceeded",
        severity: "low",
        ip: "127.0.0.1",
        actorId: null,
        reason: "anonymousPerIp budget exceeded (3 per 60 s)",
      }),
    ]);
  });

  it("gives signed-in callers their own, larger budget per user, and one per IP", async () => {
    for (let i = 0; i < 3; i++) await post(server.url, query);
    expect((await post(server.url, query)).status).toBe(429);

    // The same IP, signed in: the anonymous budget does not apply.
    const alice: Answer[] = [];
    for (let i = 0; i < 6; i++) alice.push(await post(server.url, query, { user: "user_alice" }));
    expect(statuses(alice)).toEqual([200, 200, 200, 200, 200, 429]);
    // The tightest budget is advertised: the user's 5, not the IP's 8.
    expect(alice[0].headers.get("ratelimit-limit")).toBe("5");
    expect(alice[0].headers.get("ratelimit-remaining")).toBe("4");
    expect(alice[5].headers.get("retry-after")).toBe("12");
    expect(server.refusals.at(-1)).toMatchObject({
      type: "rate_limit.exceeded",
      actorId: "user_alice",
      reason: "perUser budget exceeded (5 per 60 s)",
    });

    // Alice's refused request used nothing of the IP's 8, so Bob gets the other 3.
    const bob: Answer[] = [];
    for (let i = 0; i < 4; i++) bob.push(await post(server.url, query, { user: "user_bob" }));
    expect(statuses(bob)).toEqual([200, 200, 200, 429]);
    expect(bob[2].headers.get("ratelimit-limit")).toBe("8");
    expect(server.refusals.at(-1)).toMatchObject({
      actorId: "user_bob",
      reason: "signedInPerIp budget exceeded (8 per 60 s)",
    });

    // Alice elsewhere is still limited per user, whatever her IP.
    expect((await post(server.url, query, { user: "user_alice", ip: "198.51.100.7" })).status).toBe(
      429,
    );
  });

  it("gives mutations a stricter budget, anonymous and signed in", async () => {
    const anonymous: Answer[] = [];
    for (let i = 0; i < 3; i++)
      anonymous.push(await post(server.url, mutation, { ip: "192.0.2.1" }));
    expect(statuses(anonymous)).toEqual([200, 200, 429]);
    expect(anonymous[2].code).toBe("RATE_LIMITED");
    expect(anonymous[1].headers.get("ratelimit-limit")).toBe("2");
    expect(anonymous[1].headers.get("ratelimit-remaining")).toBe("0");
    expect(anonymous[2].headers.get("retry-after")).toBe("30");
    expect(server.bumps()).toBe(2);
    expect(server.refusals.at(-1)?.reason).toBe(
      "anonymousMutationsPerIp budget exceeded (2 per 60 s)",
    );
    // The refused mutation still used a request: the 3 are spent, and 198.51.100.0 is another IP.
    expect((await post(server.url, query, { ip: "192.0.2.1" })).status).toBe(429);
    expect((await post(server.url, query, { ip: "198.51.100.0" })).status).toBe(200);

    const signedIn: Answer[] = [];
    for (let i = 0; i < 4; i++)
      signedIn.push(await post(server.url, mutation, { user: "user_carol" }));
    expect(statuses(signedIn)).toEqual([200, 200, 200, 429]);
    expect(server.bumps()).toBe(5);
    expect(server.refusals.at(-1)).toMatchObject({
      actorId: "user_carol",
      reason: "mutationsPerUser budget exceeded (3 per 60 s)",
    });
    expect((await post(server.url, query, { user: "user_carol" })).status).toBe(200);
  });

  it("counts requests that fail to parse or validate, before parsing them", async () => {
    const broken = [await post(server.url, "{ hello"), await post(server.url, "{ nope }")];
    expect(statuses(broken)).toEqual([400, 400]);
    expect((await post(server.url, query)).status).toBe(200);
    const refused = await post(server.url, "{ hello");
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("RATE_LIMITED");
  });

  it("limits an IPv6 client per /64, and an IPv4-mapped address as IPv4", async () => {
    const answers = [
      await post(server.url, query, { ip: "2001:db8:1:2::1" }),
      await post(server.url, query, { ip: "2001:db8:1:2:ffff::9" }),
      await post(server.url, query, { ip: "2001:db8:1:2:abcd:1:2:3" }),
      await post(server.url, query, { ip: "2001:db8:1:2::77" }),
      await post(server.url, query, { ip: "2001:db8:1:3::1" }),
    ];
    expect(statuses(answers)).toEqual([200, 200, 200, 429, 200]);
    expect(clientNetwork("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientNetwork("2001:db8:1:2:abcd:1:2:3")).toBe("2001:db8:1:2::/64");
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("rate limits, failing closed", () => {
  it("refuses with 503 SERVICE_UNAVAILABLE when the store cannot decide", async () => {
    const stores = createRedisStores({
      url: `redis://127.0.0.1:${await closedPort()}`,
      connectTimeoutMs: 300,
    });
    const server = await startServer(stores.rateLimiter);
    try {
      const answer = await post(server.url, mutation);
      expect(answer.status).toBe(503);
      expect(answer.code).toBe("SERVICE_UNAVAILABLE");
      expect(server.bumps()).toBe(0);
      expect(server.refusals).toEqual([
        expect.objectContaining({ type: "rate_limit.unavailable", severity: "high" }),
      ]);
    } finally {
      await server.close();
      await stores.close();
    }
  });

  it("still limits operations when the context function does not admit (a wiring mistake)", async () => {
    const stores = createMemoryStores();
    const server = await startServer(stores.rateLimiter, budgets, { admit: false });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < 4; i++) answers.push(await post(server.url, mutation));
      expect(statuses(answers)).toEqual([200, 200, 429, 429]);
      expect(answers[0].headers.get("ratelimit-limit")).toBe("2");
      expect(answers[3].body.errors?.[0].extensions?.code).toBe("RATE_LIMITED");
      expect(server.refusals.map((event) => event.reason)).toEqual([
        "anonymousMutationsPerIp budget exceeded (2 per 60 s)",
        "anonymousPerIp budget exceeded (3 per 60 s)",
      ]);
    } finally {
      await server.close();
      await stores.close();
    }
  });

  it("allows again once the budget has come back", async () => {
    const stores = createMemoryStores();
    // One unit comes back 3 s after it was spent.
    const server = await startServer(stores.rateLimiter, {
      anonymousPerIp: { limit: 2, windowMs: 6_000 },
    });
    try {
      const started = Date.now();
      await post(server.url, query);
      await post(server.url, query);
      const refused = await post(server.url, query);
      const elapsed = Date.now() - started;
      expect(refused.status).toBe(429);
      // What is left of the 3 s since the first request, in whole seconds: 3 unless the three
      // requests took a second or more.
      const retryAfter = refused.headers.get("retry-after");
      expect(retryAfter).toMatch(/^[1-3]$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(Math.ceil((3_000 - elapsed) / 1000));
      await sleep(Number(retryAfter) * 1000 + 100);
      expect((await post(server.url, query)).status).toBe(200);
    } finally {
      await server.close();
      await stores.close();
    }
  });
});

(redisUrl === undefined ? describe.skip : describe)("two gateways sharing Redis", () => {
  it("enforce every budget exactly, in total", async () => {
    const keyPrefix = `${runPrefix}shared:`;
    // Two gateway processes: each its own Redis connection, the same key prefix.
    const storesA = createRedisStores({ url: redisUrl ?? "", keyPrefix });
    const storesB = createRedisStores({ url: redisUrl ?? "", keyPrefix });
    const budgetsShared = {
      anonymousPerIp: { limit: 20, windowMs: MINUTE },
      perUser: { limit: 15, windowMs: MINUTE },
      mutationsPerUser: { limit: 7, windowMs: MINUTE },
    };
    const a = await startServer(storesA.rateLimiter, budgetsShared);
    const b = await startServer(storesB.rateLimiter, budgetsShared);
    const both = (i: number): string => (i % 2 === 0 ? a.url : b.url);
    try {
      const anonymous = await Promise.all(
        Array.from({ length: 60 }, (_, i) => post(both(i), query)),
      );
      expect(count(anonymous, 200)).toBe(20);
      expect(count(anonymous, 429)).toBe(40);

      const signedIn = await Promise.all(
        Array.from({ length: 40 }, (_, i) => post(both(i), query, { user: "user_dave" })),
      );
      expect(count(signedIn, 200)).toBe(15);

      const mutations = await Promise.all(
        Array.from({ length: 30 }, (_, i) => post(both(i), mutation, { user: "user_erin" })),
      );
      expect(count(mutations, 200)).toBe(7);
      expect(a.bumps() + b.bumps()).toBe(7);
      expect(a.refusals.length + b.refusals.length).toBe(40 + 25 + 23);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([storesA.close(), storesB.close()]);
    }
  });
});
