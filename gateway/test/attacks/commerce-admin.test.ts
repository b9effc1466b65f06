import type { TestPlatform } from "../support/platform";
import {
  bearer,
  postJson,
  profiles,
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
 * a customer calling an admin-only mutation, and an admin-only field asked on main. The
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
      const answer = await postJson(
        urlOf(platform, profile),
        { query: SAVE, variables: { input: { systemPrompt: "A".repeat(10 * 1024 * 1024) } } },
        acme("admin"),
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
});
