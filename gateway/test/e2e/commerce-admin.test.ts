import fs from "node:fs";
import path from "node:path";
import { generate } from "otplib";
import { postGraphQL, testServices } from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";

jest.setTimeout(240_000);

/**
 * Commerce administration through both gateway profiles, with the README's worked examples
 * (docs/examples/*.graphql) run as written: AI assistant configuration, payment settings and
 * the audit trail, whose entries reach the security subgraph's hash chain and admin feed.
 */
const example = (name: string) =>
  fs.readFileSync(path.join(__dirname, "..", "..", "..", "docs", "examples", name), "utf8");

const services = testServices();
const setups = [services, ...(services.databaseUrl || services.redisUrl ? [{}] : [])].map(
  (setup) => ({
    setup,
    name: `${setup.databaseUrl ? "PostgreSQL" : "PGlite"} and ${setup.redisUrl ? "Redis" : "in-memory stores"}`,
  }),
);

type Body = Awaited<ReturnType<typeof postGraphQL>>["body"];
const codeOf = (body: Body) => body.errors?.[0]?.extensions?.code ?? null;

/** Enrolls the token's user in 2FA on `url` and verifies it: the session is at level 3. */
async function stepUp(url: string, token: string): Promise<void> {
  const as = async (query: string, variables?: Record<string, unknown>) => {
    const { body } = await postGraphQL(url, query, {
      variables,
      headers: { authorization: `Bearer ${token}` },
    });
    if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
    return body.data as Record<string, Record<string, unknown>>;
  };
  const { beginTwoFactorEnrollment } = await as("mutation { beginTwoFactorEnrollment { secret } }");
  const secret = beginTwoFactorEnrollment.secret as string;
  const code = (stepsAhead: number) =>
    generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });
  await as("mutation($code: String!) { confirmTwoFactorEnrollment(code: $code) { backupCodes } }", {
    code: await code(0),
  });
  await as("mutation($code: String!) { verifyTwoFactor(code: $code) { securityLevel } }", {
    code: await code(1),
  });
}

describe.each(setups)("commerce administration through the gateway on $name", ({ setup }) => {
  let platform: TestPlatform;
  let owner: string;
  let member: string;
  let superadminToken: string | undefined;
  const superadmin = async () =>
    (superadminToken ??= await signInSuperadmin(platform, "user_commerce_root"));
  const call = async (
    profile: "main" | "admin",
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ) =>
    postGraphQL(profile === "main" ? platform.url : platform.adminUrl, query, {
      variables,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  beforeAll(async () => {
    platform = await startPlatform(setup);
    owner = platform.devToken(
      "--user",
      "user_commerce_owner",
      "--org",
      "org_demo_acme",
      "--role",
      "admin",
    );
    member = platform.devToken(
      "--user",
      "user_demo_bob",
      "--org",
      "org_demo_acme",
      "--role",
      "member",
    );
  });
  afterAll(() => platform?.stop());

  it("an organization admin saves the assistant configuration (docs/examples/ai-assistant-config.graphql) on main; a member is refused", async () => {
    const saved = await call("main", owner, example("ai-assistant-config.graphql"));
    expect([saved.status, codeOf(saved.body)]).toEqual([200, null]);
    expect(saved.body.data?.updateAiAssistantConfig).toMatchObject({
      state: "CUSTOMIZED",
      temperature: 0.3,
      enabledChannels: ["WEB_CHAT", "WHATSAPP", "EMAIL"],
      updatedBy: "user_commerce_owner",
    });
    const refused = await call("main", member, example("ai-assistant-config.graphql"));
    expect([refused.status, codeOf(refused.body)]).toEqual([403, "FORBIDDEN"]);
    const anonymous = await call("main", null, "{ aiAssistantConfig { state } }");
    expect([anonymous.status, codeOf(anonymous.body)]).toEqual([401, "UNAUTHENTICATED"]);
  });

  it("payment settings need level 3 (docs/examples/payment-settings.graphql), then show only the last four characters on both profiles", async () => {
    const variables = {
      secretKey: "sk_test_e2eCommerceSecret8271",
      webhookSigningSecret: "whsec_e2eCommerceSigning5513",
    };
    const early = await call("main", owner, example("payment-settings.graphql"), variables);
    expect([early.status, codeOf(early.body)]).toEqual([403, "STEP_UP_REQUIRED"]);
    await stepUp(platform.url, owner);
    const saved = await call("main", owner, example("payment-settings.graphql"), variables);
    expect([saved.status, codeOf(saved.body)]).toEqual([200, null]);
    expect(saved.body.data?.updatePaymentSettings).toEqual({
      provider: "STRIPE",
      publishableKey: "pk_test_acme_storefront_2026",
      secretKeyLastFour: "8271",
      webhookSigningSecretLastFour: "5513",
      payoutSchedule: "DAILY",
      currency: "USD",
    });
    const read = await call("admin", owner, "{ paymentSettings { secretKeyLastFour currency } }");
    expect(read.body).toEqual({
      data: { paymentSettings: { secretKeyLastFour: "8271", currency: "USD" } },
    });
    const events = JSON.stringify(await platform.securityEvents());
    expect(events).not.toContain(variables.secretKey);
    expect(events).not.toContain(variables.webhookSigningSecret);
    expect(platform.process.output()).not.toContain(variables.secretKey);
  });

  it("the audit trail (docs/examples/audit-trail.graphql) shows each change; its events reach the admin feed and the hash chain", async () => {
    const trail = await call("main", owner, example("audit-trail.graphql"));
    expect(codeOf(trail.body)).toBeNull();
    const entries = trail.body.data?.auditTrail as {
      id: string;
      action: string;
      actorId: string;
    }[];
    expect(entries[0]).toMatchObject({ action: "UPDATED", actorId: "user_commerce_owner" });

    const root = await superadmin();
    const feed = `query($types: [String!]) { securityEvents(filter: { types: $types }) { edges { node { id type organizationId } } } }`;
    let nodes: { id: string; type: string }[] = [];
    const deadline = Date.now() + 20_000;
    while (!nodes.some((node) => node.id === entries[0].id) && Date.now() < deadline) {
      const page = await call("admin", root, feed, {
        types: ["audit.ai_assistant_config.updated", "audit.payment_settings.updated"],
      });
      expect(codeOf(page.body)).toBeNull();
      nodes = (
        page.body.data?.securityEvents as { edges: { node: { id: string; type: string } }[] }
      ).edges.map((edge) => edge.node);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(nodes).toContainEqual({
      id: entries[0].id,
      type: "audit.ai_assistant_config.updated",
      organizationId: "org_demo_acme",
    });
    expect(nodes.map((node) => node.type)).toContain("audit.payment_settings.updated");
    // `audit verify` reads the database, which PGlite keeps to the running process.
    if (setup.databaseUrl) {
      expect(platform.rampart("audit", "verify")).toMatch(/^audit chain ok: \d+ events$/);
    }

    // A superadmin reads any organization's assistant on admin; main does not have the field.
    const any = `{ organizationAiAssistantConfig(organizationId: "org_demo_globex") { state } }`;
    const onAdmin = await call("admin", root, any);
    expect(onAdmin.body).toEqual({
      data: { organizationAiAssistantConfig: { state: "DEFAULTS" } },
    });
    const onMain = await call("main", root, any);
    expect([onMain.status, codeOf(onMain.body)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
  });

  it("a merchant saves (docs/examples/kyc-draft.graphql) and submits its KYC; a superadmin at level 3 reviews it on admin", async () => {
    const merchant = platform.devToken(
      "--user",
      "user_kyc_owner",
      "--org",
      "org_e2e_kyc",
      "--role",
      "admin",
    );
    const draft = await call("main", merchant, example("kyc-draft.graphql"));
    expect([draft.status, codeOf(draft.body)]).toEqual([200, null]);
    expect(draft.body.data?.saveKycDraft).toMatchObject({ status: "DRAFT", version: 1 });
    const submitted = await call("main", merchant, "mutation { submitKycVerification { status } }");
    expect(submitted.body).toEqual({ data: { submitKycVerification: { status: "SUBMITTED" } } });

    const approve = `mutation { approveKycVerification(organizationId: "org_e2e_kyc") { status } }`;
    const onMain = await call("main", await superadmin(), approve);
    expect([onMain.status, codeOf(onMain.body)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
    const byMerchant = await call("admin", merchant, approve);
    expect(byMerchant.status).toBe(403);
    const root = await superadmin();
    const queue = await call(
      "admin",
      root,
      "{ kycVerifications(status: SUBMITTED) { organizationId legalNameMasked } }",
    );
    expect(queue.body.data?.kycVerifications).toContainEqual({
      organizationId: "org_e2e_kyc",
      legalNameMasked: "N*** P*** L***",
    });
    const started = await call(
      "admin",
      root,
      `mutation { startKycReview(organizationId: "org_e2e_kyc") { status } }`,
    );
    expect(started.body).toEqual({ data: { startKycReview: { status: "IN_REVIEW" } } });
    const approved = await call("admin", root, approve);
    expect(approved.body).toEqual({ data: { approveKycVerification: { status: "APPROVED" } } });
    const seen = await call("main", merchant, "{ kycVerification { status rejectionReason } }");
    expect(seen.body).toEqual({
      data: { kycVerification: { status: "APPROVED", rejectionReason: null } },
    });
  });

  it("anyone reads the published storefront page (docs/examples/storefront-page.graphql) on main; an editor's draft shows only once an admin publishes it", async () => {
    const anonymous = await call("main", null, example("storefront-page.graphql"));
    expect([anonymous.status, codeOf(anonymous.body)]).toEqual([200, null]);
    expect(anonymous.body.data?.storefrontPage).toMatchObject({ path: "/", version: 1 });
    const editor = platform.devToken(
      "--user",
      "user_demo_erin",
      "--org",
      "org_demo_acme",
      "--role",
      "editor",
    );
    const blocks = [{ type: "TEXT", text: "Winter sale <b>now</b>" }];
    const draft = await call(
      "main",
      editor,
      `mutation($blocks: JSON!) { saveStorefrontPageDraft(path: "/", blocks: $blocks) { publishedVersion } }`,
      { blocks },
    );
    expect(draft.body).toEqual({ data: { saveStorefrontPageDraft: { publishedVersion: 1 } } });
    expect(
      (await call("main", null, example("storefront-page.graphql"))).body.data?.storefrontPage,
    ).toMatchObject({ version: 1 });
    const publish = `mutation { publishStorefrontPage(path: "/") { publishedVersion } }`;
    const byEditor = await call("main", editor, publish);
    expect([byEditor.status, codeOf(byEditor.body)]).toEqual([403, "FORBIDDEN"]);
    const byAdmin = await call("main", owner, publish);
    expect(byAdmin.body).toEqual({ data: { publishStorefrontPage: { publishedVersion: 2 } } });
    const after = await call("main", null, example("storefront-page.graphql"));
    expect(after.body.data?.storefrontPage).toMatchObject({ version: 2, blocks });
  });
});
