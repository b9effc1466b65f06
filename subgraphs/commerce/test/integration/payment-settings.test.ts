import { SecurityLevel, type Identity } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

let organizations = 0;
/** An admin of an organization of its own, stepped up (level 3) unless told otherwise. */
const adminOfNewOrganization = (overrides: Partial<Identity> = {}) => {
  organizations += 1;
  return testIdentity({
    userId: `user_pay_admin_${organizations}`,
    organizationId: `org_pay_test_${organizations}`,
    organizationSlug: `pay-test-${organizations}`,
    role: "org:admin",
    securityLevel: SecurityLevel.StepUp,
    ...overrides,
  });
};

const SETTINGS = `organizationId provider publishableKey secretKeyLastFour
  webhookSigningSecretLastFour payoutSchedule currency updatedBy`;
const READ = `{ paymentSettings { ${SETTINGS} } }`;
const SAVE = `mutation($input: PaymentSettingsInput!) { updatePaymentSettings(input: $input) { ${SETTINGS} } }`;
const DELETE = `mutation { deletePaymentSettings }`;
const TRAIL = `query($id: ID!) { auditTrail(entity: PAYMENT_SETTINGS, id: $id) {
  id action changes { field before after } } }`;

const SECRET_KEY = "sk_test_h5Ux9wQm2Rt7Zp4Lk8Vb3Nc6";
const SIGNING_SECRET = "whsec_Qe1Ty5Ui9Op3As7Df2Gh6Jk0Lz";
const input = (overrides: Record<string, unknown> = {}) => ({
  provider: "STRIPE",
  publishableKey: "pk_test_51Hh4mDemoPublishable",
  secretKey: SECRET_KEY,
  webhookSigningSecret: SIGNING_SECRET,
  payoutSchedule: "DAILY",
  currency: "EUR",
  ...overrides,
});

type Body = Awaited<ReturnType<TestSubgraph["query"]>>["body"];
const codeOf = (body: Body) => body.errors?.[0]?.extensions?.code;
const as = async (identity: Identity, query: string, variables?: Record<string, unknown>) =>
  (await subgraph.query(query, { identity, variables })).body;

/** Every stored column of the organization's row and audit entries, as text. */
async function storedText(organizationId: string): Promise<string> {
  const connection = subgraph.database.orm.em.getConnection();
  const rows = await connection.execute(
    `select row_to_json(p)::text as row from payment_settings p where organization_id = ?
     union all select row_to_json(a)::text from audit_entries a where organization_id = ?`,
    [organizationId, organizationId],
  );
  return (rows as { row: string }[]).map((row) => row.row).join("\n");
}

describe("payment settings", () => {
  it("show the demo organization's settings to its admin with the last four characters of each secret", async () => {
    const body = await as(testIdentity(), READ);
    expect(body).toEqual({
      data: {
        paymentSettings: {
          organizationId: "org_demo_acme",
          provider: "STRIPE",
          publishableKey: "pk_test_demo_acme_publishable",
          secretKeyLastFour: "4242",
          webhookSigningSecretLastFour: "9876",
          payoutSchedule: "WEEKLY",
          currency: "USD",
          updatedBy: "user_demo_alice",
        },
      },
    });
    // The schema has no field that could return a secret.
    const asked = await as(testIdentity(), "{ paymentSettings { secretKey } }");
    expect(codeOf(asked)).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("save at level 3 only: STEP_UP_REQUIRED at levels 1 and 2", async () => {
    const admin = adminOfNewOrganization();
    for (const level of [SecurityLevel.SignedIn, SecurityLevel.SecondFactor]) {
      const body = await as({ ...admin, securityLevel: level }, SAVE, { input: input() });
      expect({ level, code: codeOf(body) }).toEqual({ level, code: "STEP_UP_REQUIRED" });
      expect(codeOf(await as({ ...admin, securityLevel: level }, DELETE))).toBe("STEP_UP_REQUIRED");
    }
    const saved = await as(admin, SAVE, { input: input() });
    expect(saved.data?.updatePaymentSettings).toMatchObject({
      organizationId: admin.organizationId,
      secretKeyLastFour: SECRET_KEY.slice(-4),
      webhookSigningSecretLastFour: SIGNING_SECRET.slice(-4),
      updatedBy: admin.userId,
    });
    expect(JSON.stringify(saved)).not.toContain(SECRET_KEY);
  });

  it("are refused to members, editors and customers, even stepped up, and to anonymous callers", async () => {
    const admin = adminOfNewOrganization();
    await as(admin, SAVE, { input: input() });
    for (const role of ["org:member", "org:editor", "org:customer"]) {
      const caller = { ...admin, userId: "user_pay_other", role };
      for (const [query, variables] of [
        [READ, undefined],
        [SAVE, { input: input({ currency: "USD" }) }],
        [DELETE, undefined],
      ] as const) {
        const body = await as(caller, query, variables);
        expect({ role, query, code: codeOf(body) }).toEqual({ role, query, code: "FORBIDDEN" });
      }
    }
    expect(codeOf((await subgraph.query(READ)).body)).toBe("UNAUTHENTICATED");
    // Nothing changed.
    expect((await as(admin, READ)).data?.paymentSettings).toMatchObject({ currency: "EUR" });
  });

  it("seal secrets at rest and keep them out of audit entries and security events", async () => {
    const admin = adminOfNewOrganization();
    await as(admin, SAVE, { input: input() });
    const rotated = "sk_test_R0tated9Secret8Key7Xy";
    await as(admin, SAVE, { input: input({ secretKey: rotated, webhookSigningSecret: null }) });
    const stored = await storedText(admin.organizationId as string);
    expect(stored).toMatch(/"secret_key_sealed":"v\d\./);
    const events = JSON.stringify(await subgraph.securityEvents());
    for (const secret of [SECRET_KEY, SIGNING_SECRET, rotated]) {
      // The whole secret, and any 8 characters of it.
      for (let start = 0; start + 8 <= secret.length; start += 1) {
        const piece = secret.slice(start, start + 8);
        expect({ piece, inStore: stored.includes(piece) }).toEqual({ piece, inStore: false });
        expect({ piece, inEvents: events.includes(piece) }).toEqual({ piece, inEvents: false });
      }
    }
    const trail = await as(admin, TRAIL, { id: admin.organizationId });
    const [update, creation] = trail.data?.auditTrail as {
      action: string;
      changes: { field: string; before: string | null; after: string | null }[];
    }[];
    expect(creation.action).toBe("CREATED");
    // The rotation is recorded, its values are not; the kept signing secret is no change.
    expect(update).toMatchObject({
      action: "UPDATED",
      changes: [{ field: "secretKey", before: '"[redacted]"', after: '"[redacted]"' }],
    });
    expect((await as(admin, READ)).data?.paymentSettings).toMatchObject({
      secretKeyLastFour: rotated.slice(-4),
      webhookSigningSecretLastFour: SIGNING_SECRET.slice(-4),
    });
  });

  it("need both secrets on the first save and validate every field without echoing it", async () => {
    const admin = adminOfNewOrganization();
    const cases: [Record<string, unknown>, string][] = [
      [{ secretKey: null }, "input.secretKey"],
      [{ webhookSigningSecret: null }, "input.webhookSigningSecret"],
      [{ secretKey: "sk short" }, "input.secretKey"],
      [{ secretKey: `${SECRET_KEY} with spaces` }, "input.secretKey"],
      [{ publishableKey: "pk" }, "input.publishableKey"],
      [{ currency: "eur" }, "input.currency"],
      [{ currency: "XYZ" }, "input.currency"],
      [{ secretKey: "x".repeat(513) }, "input.secretKey"],
    ];
    for (const [overrides, field] of cases) {
      const body = await as(admin, SAVE, { input: input(overrides) });
      expect({ field, code: codeOf(body), named: body.errors?.[0]?.extensions?.field }).toEqual({
        field,
        code: "BAD_USER_INPUT",
        named: field,
      });
      expect(JSON.stringify(body.errors)).not.toContain(SECRET_KEY.slice(8));
    }
    expect(await as(admin, READ)).toEqual({ data: { paymentSettings: null } });
  });

  it("are deleted by an admin at level 3, audited with the secrets redacted", async () => {
    const admin = adminOfNewOrganization();
    await as(admin, SAVE, { input: input() });
    expect(await as(admin, DELETE)).toEqual({ data: { deletePaymentSettings: true } });
    expect(await as(admin, DELETE)).toEqual({ data: { deletePaymentSettings: false } });
    const trail = await as(admin, TRAIL, { id: admin.organizationId });
    const [deletion] = trail.data?.auditTrail as {
      action: string;
      changes: { field: string; before: string | null }[];
    }[];
    expect(deletion.action).toBe("DELETED");
    expect(deletion.changes).toContainEqual({
      field: "secretKey",
      before: '"[redacted]"',
      after: null,
    });
  });

  it("keep each organization's settings and trail to itself; superadmins do not read them", async () => {
    const admin = adminOfNewOrganization();
    await as(admin, SAVE, { input: input() });
    const other = adminOfNewOrganization();
    expect(await as(other, READ)).toEqual({ data: { paymentSettings: null } });
    expect(await as(other, TRAIL, { id: admin.organizationId })).toEqual({
      data: { auditTrail: [] },
    });
    const superadmin = testIdentity({
      userId: "user_rampart_root",
      organizationId: "org_rampart_admin",
      role: "org:admin",
      securityLevel: SecurityLevel.StepUp,
    });
    expect(await as(superadmin, TRAIL, { id: admin.organizationId })).toEqual({
      data: { auditTrail: [] },
    });
  });

  it("serialize concurrent first saves: one creation, then updates", async () => {
    const admin = adminOfNewOrganization();
    const currencies = ["EUR", "USD", "GBP", "CHF", "JPY", "SEK"];
    const answers = await Promise.all(
      currencies.map((currency) => as(admin, SAVE, { input: input({ currency }) })),
    );
    expect(answers.map((body) => body.errors)).toEqual(currencies.map(() => undefined));
    const trail = await as(admin, TRAIL, { id: admin.organizationId });
    const actions = (trail.data?.auditTrail as { action: string }[]).map((e) => e.action);
    expect(actions.filter((action) => action === "CREATED")).toHaveLength(1);
    expect(actions[actions.length - 1]).toBe("CREATED");
  });
});
