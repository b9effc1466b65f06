import type { TestPlatform } from "../support/platform";
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

describe("attack family: unstorable text in string input", () => {
  let platform: TestPlatform;
  let editor: Record<string, string>;

  beforeAll(async () => {
    platform = await startAttackPlatform();
    editor = bearer(
      validToken(tokenSettings(platform), {
        o: { id: "org_demo_acme", rol: "editor", slg: "acme" },
      }),
    );
  });
  afterAll(() => platform?.stop());

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
