import { randomBytes } from "node:crypto";
import { openLiveSocket, type LiveSocket } from "../support/live";
import type { TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";
import {
  bearer,
  dataIn,
  postJson,
  profiles,
  startAttackPlatform,
  tokenSettings,
  urlOf,
  validToken,
  type Answer,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Family "unstorable text": PostgreSQL refuses U+0000 in text, and a lone UTF-16 surrogate
 * (JSON's "\ud800", which no UTF-8 text can hold) in jsonb, so a string argument carrying
 * one reached the database and came back as a bare INTERNAL_SERVER_ERROR (logged as a bug on
 * every request): on the anonymous storefront read, in a storefront layout draft. The perimeter
 * refuses it first with 400 BAD_USER_INPUT, whether it comes in a variable or a literal
 * (GraphQL's own parser already refuses a lone surrogate escape in a literal).
 */
const PAGE = `query($slug: String!, $path: String!) { storefrontPage(organizationSlug: $slug, path: $path) { version } }`;
const outcome = (answer: Answer) => [answer.status, answer.code, dataIn(answer.body) ?? null];

const SAVE_LAYOUT = `mutation($path: String!, $blocks: JSON!) { saveStorefrontPageDraft(path: $path, blocks: $blocks) { id } }`;

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startAttackPlatform();
});
afterAll(() => platform?.stop());

describe("attack family: unstorable text in string input", () => {
  let editor: Record<string, string>;

  beforeAll(async () => {
    editor = bearer(
      validToken(tokenSettings(platform), {
        o: { id: "org_demo_acme", rol: "editor", slg: "acme" },
      }),
    );
  });

  it.each(profiles)(
    "a NUL character in a variable is refused at the %s perimeter with 400 BAD_USER_INPUT",
    async (profile) => {
      for (const variables of [
        { slug: "acme\u0000", path: "/" },
        { slug: "acme", path: "/\u0000" },
      ]) {
        const answer = await postJson(urlOf(platform, profile), { query: PAGE, variables });
        expect(outcome(answer)).toEqual([400, "BAD_USER_INPUT", null]);
      }
    },
  );

  it.each(profiles)(
    "a NUL character in a literal of the document is refused at the %s perimeter with 400 BAD_USER_INPUT",
    async (profile) => {
      for (const literal of ["\\u0000", "\\u{0}"]) {
        const answer = await postJson(urlOf(platform, profile), {
          query: `{ storefrontPage(organizationSlug: "acme${literal}", path: "/") { version } }`,
        });
        expect(outcome(answer)).toEqual([400, "BAD_USER_INPUT", null]);
      }
    },
  );

  it("text that only spells the escape (an escaped backslash) is ordinary input", async () => {
    const answer = await postJson(platform.url, {
      query: PAGE,
      variables: { slug: "acme\\u0000", path: "/" },
    });
    expect(outcome(answer)).toEqual([200, null, { storefrontPage: null }]);
  });

  it.each(profiles)(
    "a lone surrogate in a layout draft is refused at the %s perimeter with 400 BAD_USER_INPUT",
    async (profile) => {
      for (const text of ["\ud800", "tail \udfff", "\udfff\ud800"]) {
        const answer = await postJson(
          urlOf(platform, profile),
          {
            query: SAVE_LAYOUT,
            variables: { path: "/surrogate", blocks: [{ type: "TEXT", text }] },
          },
          editor,
        );
        expect(outcome(answer)).toEqual([400, "BAD_USER_INPUT", null]);
      }
    },
  );

  it("a surrogate pair (an emoji) is ordinary text", async () => {
    const answer = await postJson(
      platform.url,
      {
        query: SAVE_LAYOUT,
        variables: { path: "/emoji", blocks: [{ type: "TEXT", text: "\ud83d\ude80 launch" }] },
      },
      editor,
    );
    expect(answer.status).toBe(200);
    expect(answer.code).toBeNull();
  });
});

/**
 * The same family over graphql-ws: a subscribe message is an operation of its own, checked by
 * the same perimeter code as an HTTP request. The subscription is refused with an `error`
 * message carrying the HTTP code (BAD_USER_INPUT); the socket stays open for the others, as
 * for every other operation-limit refusal on a socket.
 */
describe("attack family: unstorable text in a graphql-ws subscribe", () => {
  const EVENTS = `subscription($filter: SecurityEventFilter) { securityEvents(filter: $filter) { id } }`;
  const METRICS = "subscription { securityMetrics(window: LAST_5_MINUTES) { totalEvents } }";
  const REFUSAL = /NUL character \(U\+0000\) or a lone UTF-16 surrogate/;
  const failureOf = (failure: unknown) => {
    const [error] = (failure as { message?: string; extensions?: { code?: string } }[]) ?? [];
    return [error?.extensions?.code ?? null, error?.message ?? null];
  };

  let superadmin: string;
  const sockets: LiveSocket[] = [];
  const open = () => {
    const socket = openLiveSocket(platform.adminUrl, { authorization: superadmin });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    superadmin = await signInSuperadmin(
      platform,
      `user_attack_text_${randomBytes(3).toString("hex")}`,
    );
  });
  afterAll(() => Promise.all(sockets.map((socket) => socket.dispose())));

  /**
   * Subscribes `query` with `variables` on a fresh socket, expects the gateway's refusal, then
   * a valid subscription on the same socket that gets its first result.
   */
  async function expectRefusedKeepingSocket(query: string, variables?: Record<string, unknown>) {
    const socket = open();
    const refused = socket.subscribe(query, variables);
    await refused.ended();
    expect(failureOf(refused.failure())).toEqual([
      "BAD_USER_INPUT",
      expect.stringMatching(REFUSAL),
    ]);
    expect(refused.results).toEqual([]);
    const fine = socket.subscribe<{ securityMetrics: { totalEvents: number } }>(METRICS);
    const [first] = await fine.waitFor(1, 15_000);
    expect(first.errors).toBeUndefined();
    expect(first.data?.securityMetrics.totalEvents).toBeGreaterThanOrEqual(0);
    fine.stop();
  }

  it("refuses a NUL character in a variable with BAD_USER_INPUT, keeping the socket", async () => {
    await expectRefusedKeepingSocket(EVENTS, { filter: { ip: "127.0.0.1\u0000" } });
  });

  it("refuses a NUL character in a string literal of the document, keeping the socket", async () => {
    await expectRefusedKeepingSocket(
      `subscription { securityEvents(filter: { ip: "127.0.0.1\\u0000" }) { id } }`,
    );
  });

  it("refuses a lone high surrogate in a variable, keeping the socket", async () => {
    await expectRefusedKeepingSocket(EVENTS, { filter: { ip: "\ud800" } });
  });

  it("refuses a lone low surrogate in a variable, keeping the socket", async () => {
    await expectRefusedKeepingSocket(EVENTS, { filter: { ip: "tail \udfff" } });
  });

  it("records each refusal as the HTTP path does (operation_limit.bad_user_input)", async () => {
    await expectRefusedKeepingSocket(EVENTS, { filter: { types: ["\u0000"] } });
    const types = (await platform.securityEvents()).map((event) => event.type);
    expect(types).toContain("operation_limit.bad_user_input");
  });

  it("a surrogate pair (an emoji) in a variable is ordinary text", async () => {
    const socket = open();
    const live = socket.subscribe(EVENTS, { filter: { ip: "\ud83d\ude80" } });
    const fine = socket.subscribe(METRICS);
    await fine.waitFor(1, 15_000);
    expect(live.failure()).toBeUndefined();
  });
});
