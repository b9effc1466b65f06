import { generateKeyPairSync } from "node:crypto";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { EntityManager } from "@mikro-orm/core";
import { parse } from "graphql";
import WebSocket from "ws";
import {
  anonymousIdentity,
  createLogger,
  IDENTITY_HEADER,
  signIdentity,
  type SubgraphOperation,
} from "../../src";
import { startSubgraphServer, type SubgraphRuntime, type SubgraphServer } from "../../src/subgraph";
import { createMemoryStores, createRedisStores, type Stores } from "../../src/stores";
import { postGraphQL, testServices, uniqueName } from "../../src/testing";

/**
 * Regression for the replayable identity assertion (issue 9, §2.5): a subgraph server on a real
 * port, with the shared stores of the run (Redis when it answers), takes an assertion only with
 * the operation it was signed for, and only once, over HTTP and over graphql-ws.
 */
const keys = generateKeyPairSync("ed25519");
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    type Query { orders(first: Int): [String!]! }
    type Subscription { ticks(from: Int!): Int! }
  `),
  resolvers: {
    Query: {
      orders: (_root: unknown, args: { first?: number }) =>
        Array.from({ length: Math.min(args.first ?? 1, 3) }, (_, i) => `order-${i}`),
    },
    Subscription: {
      ticks: {
        subscribe: async function* (_root: unknown, args: { from: number }) {
          for (let tick = args.from; tick < args.from + 2; tick += 1) yield { ticks: tick };
        },
      },
    },
  },
});

const { redisUrl } = testServices();
let stores: Stores;
const servers: SubgraphServer[] = [];

/** A replica of the subgraph named `orders`; replicas started here share the run's stores. */
async function replica(): Promise<SubgraphServer> {
  const server = await startSubgraphServer({
    name: "orders",
    schema,
    identityPublicKey: keys.publicKey,
    em: { fork: () => ({ clear: () => undefined }) } as unknown as EntityManager,
    runtime: { stores } as unknown as SubgraphRuntime,
    services: {},
    logger: createLogger({ service: "orders", level: "silent" }),
    health: {},
    port: 0,
  });
  servers.push(server);
  return server;
}

beforeAll(() => {
  stores = redisUrl
    ? createRedisStores({ url: redisUrl, keyPrefix: `${uniqueName("identity")}:` })
    : createMemoryStores();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await stores.close();
});

const ORDERS = "query Orders($first: Int) { orders(first: $first) }";
/** What the gateway would sign and send for one fetch. */
const fetchOf = (first: number): SubgraphOperation => ({
  query: ORDERS,
  operationName: "Orders",
  variables: { first },
});
const sign = (operation: SubgraphOperation) =>
  signIdentity(anonymousIdentity("req-binding"), "orders", keys.privateKey, operation);

/** POSTs exactly `body` with `assertion`, as the gateway's data source does. */
async function post(url: string, assertion: string, body: SubgraphOperation) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [IDENTITY_HEADER]: assertion },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
}

const refusedWith = (message: RegExp) => ({
  status: 401,
  body: {
    errors: [{ message: expect.stringMatching(message), extensions: { code: "UNAUTHENTICATED" } }],
  },
});

describe("a subgraph over HTTP", () => {
  let url: string;
  beforeAll(async () => {
    url = (await replica()).url;
  });

  it("answers the call an assertion was signed for", async () => {
    const assertion = await sign(fetchOf(2));
    expect(await post(url, assertion, fetchOf(2))).toEqual({
      status: 200,
      body: { data: { orders: ["order-0", "order-1"] } },
    });
  });

  it("refuses a captured assertion replayed with a different body, then replayed as it was", async () => {
    const captured = await sign(fetchOf(1));
    expect((await post(url, captured, fetchOf(1))).status).toBe(200);
    expect(await post(url, captured, fetchOf(3))).toEqual(refusedWith(/for another operation/));
    expect(await post(url, captured, { query: "{ orders(first: 3) }" })).toEqual(
      refusedWith(/for another operation/),
    );
    expect(await post(url, captured, fetchOf(1))).toEqual(refusedWith(/used before/));
  });

  it("refuses an assertion intercepted before use and sent with another body, and lets the original through", async () => {
    const intercepted = await sign(fetchOf(1));
    expect(await post(url, intercepted, fetchOf(3))).toEqual(refusedWith(/for another operation/));
    expect((await post(url, intercepted, fetchOf(1))).status).toBe(200);
  });

  it("refuses a replay at another replica of the same subgraph (the stores are shared)", async () => {
    const other = await replica();
    const assertion = await sign(fetchOf(1));
    expect((await post(url, assertion, fetchOf(1))).status).toBe(200);
    expect(await post(other.url, assertion, fetchOf(1))).toEqual(refusedWith(/used before/));
  });

  it("refuses the operation in a GET, and a body that is not a JSON object", async () => {
    const query = "{ orders }";
    const viaGet = await fetch(`${url}?query=${encodeURIComponent(query)}`, {
      headers: { [IDENTITY_HEADER]: await sign({ query }), "apollo-require-preflight": "1" },
    });
    expect(viaGet.status).toBe(401);
    const batch = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", [IDENTITY_HEADER]: await sign({ query }) },
      body: JSON.stringify([{ query }]),
    });
    expect(batch.status).toBe(401);
  });

  it("still refuses calls without a valid signature before reading their body", async () => {
    const { status } = await postGraphQL(url, ORDERS, { headers: { [IDENTITY_HEADER]: "x.y.z" } });
    expect(status).toBe(401);
  });
});

/** A raw graphql-ws socket: what it received, and how it closed. */
function openSocket(url: string, assertion: string) {
  const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  const messages: { type: string; id?: string; payload?: unknown }[] = [];
  const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
  socket.on("message", (data) => messages.push(JSON.parse(String(data)) as (typeof messages)[0]));
  socket.on("open", () =>
    socket.send(
      JSON.stringify({ type: "connection_init", payload: { [IDENTITY_HEADER]: assertion } }),
    ),
  );
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };
  return { socket, messages, closed, until };
}

describe("a subgraph over graphql-ws", () => {
  let url: string;
  beforeAll(async () => {
    url = (await replica()).url;
  });
  const TICKS = {
    query: "subscription Ticks($from: Int!) { ticks(from: $from) }",
    variables: { from: 5 },
  };

  it("runs the subscription the connection's assertion was signed for", async () => {
    const open = openSocket(url, await sign(TICKS));
    await open.until(() => open.messages.some((m) => m.type === "connection_ack"));
    open.socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: TICKS }));
    await open.until(() => open.messages.some((m) => m.type === "complete"));
    expect(open.messages.filter((m) => m.type === "next").map((m) => m.payload)).toEqual([
      { data: { ticks: 5 } },
      { data: { ticks: 6 } },
    ]);
    open.socket.close();
  });

  it("refuses a subscribe with another payload than the assertion's", async () => {
    const open = openSocket(url, await sign(TICKS));
    await open.until(() => open.messages.some((m) => m.type === "connection_ack"));
    const tampered = { ...TICKS, variables: { from: 1_000 } };
    open.socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: tampered }));
    await open.until(() => open.messages.some((m) => m.type === "error"));
    expect(open.messages.filter((m) => m.id === "1")).toEqual([
      {
        id: "1",
        type: "error",
        payload: [
          expect.objectContaining({
            message: "The gateway identity assertion is for another operation.",
            extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }),
          }),
        ],
      },
    ]);
    open.socket.close();
  });

  it("refuses a connection_init assertion used before (4401)", async () => {
    const assertion = await sign(TICKS);
    const first = openSocket(url, assertion);
    await first.until(() => first.messages.some((m) => m.type === "connection_ack"));
    const replayed = openSocket(url, assertion);
    expect(await replayed.closed).toBe(4401);
    expect(replayed.messages).toEqual([]);
    first.socket.close();
  });
});
