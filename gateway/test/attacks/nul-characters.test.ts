import type { TestPlatform } from "../support/platform";
import {
  dataIn,
  postJson,
  profiles,
  startAttackPlatform,
  urlOf,
  type Answer,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Family "NUL characters": PostgreSQL refuses U+0000 in text, so a string argument carrying it
 * reached the database and came back as a bare INTERNAL_SERVER_ERROR (logged as a bug on every
 * request), here on the anonymous storefront read of both profiles. The perimeter refuses it
 * first with 400 BAD_USER_INPUT, whether it comes in a variable or a literal of the document.
 */
const PAGE = `query($slug: String!, $path: String!) { storefrontPage(organizationSlug: $slug, path: $path) { version } }`;
const outcome = (answer: Answer) => [answer.status, answer.code, dataIn(answer.body) ?? null];

describe("attack family: NUL characters in string input", () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startAttackPlatform();
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
});
