import { SecurityLevel, type Identity } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { AI_ASSISTANT_DEFAULTS } from "../../src/modules/ai-assistant/ai-assistant.validation";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

/** An admin of an organization of its own, so each test starts from the defaults. */
let organizations = 0;
const adminOfNewOrganization = (overrides: Partial<Identity> = {}) => {
  organizations += 1;
  return testIdentity({
    userId: `user_ai_admin_${organizations}`,
    organizationId: `org_ai_test_${organizations}`,
    organizationSlug: `ai-test-${organizations}`,
    role: "org:admin",
    ...overrides,
  });
};
const superadmin = testIdentity({
  userId: "user_rampart_root",
  organizationId: "org_rampart_admin",
  organizationSlug: "rampart",
  role: "org:admin",
  securityLevel: SecurityLevel.SecondFactor,
});

const CONFIG = `organizationId state modelName temperature maxTokens systemPrompt enabledChannels
  businessHours { timeZone windows { day opensAt closesAt } }
  handOff { enabled afterUnresolvedMessages triggerPhrases } updatedAt updatedBy`;
const READ = `{ aiAssistantConfig { ${CONFIG} } }`;
const UPDATE = `mutation($input: AiAssistantConfigInput!) { updateAiAssistantConfig(input: $input) { ${CONFIG} } }`;
const RESET = `mutation { resetAiAssistantConfig { state temperature } }`;
const TRAIL = `query($entity: AuditedEntity!, $id: ID!) { auditTrail(entity: $entity, id: $id) {
  id entity entityId organizationId action actorId occurredAt changes { field before after } } }`;

type Body = Awaited<ReturnType<TestSubgraph["query"]>>["body"];
const codeOf = (body: Body) => body.errors?.[0]?.extensions?.code;
const fieldOf = (body: Body) => body.errors?.[0]?.extensions?.field;
const as = async (identity: Identity, query: string, variables?: Record<string, unknown>) =>
  (await subgraph.query(query, { identity, variables })).body;

describe("AI assistant configuration", () => {
  it("answers an organization that never saved one with the documented defaults, state DEFAULTS", async () => {
    const admin = adminOfNewOrganization();
    const body = await as(admin, READ);
    expect(body).toEqual({
      data: {
        aiAssistantConfig: {
          organizationId: admin.organizationId,
          state: "DEFAULTS",
          ...AI_ASSISTANT_DEFAULTS,
          updatedAt: null,
          updatedBy: null,
        },
      },
    });
    expect(AI_ASSISTANT_DEFAULTS).toMatchObject({
      modelName: "gpt-4o-mini",
      temperature: 0.7,
      maxTokens: 1024,
      enabledChannels: ["WEB_CHAT"],
    });
  });

  it("shows the demo organization's seeded configuration to its admin", async () => {
    const body = await as(testIdentity(), READ);
    expect(body.data?.aiAssistantConfig).toMatchObject({
      organizationId: "org_demo_acme",
      state: "CUSTOMIZED",
      enabledChannels: ["WEB_CHAT", "WHATSAPP"],
      handOff: { enabled: true, afterUnresolvedMessages: 3 },
    });
  });

  it("saves the given fields on top of the defaults, audits the change and announces it", async () => {
    const admin = adminOfNewOrganization();
    const saved = await as(admin, UPDATE, {
      input: {
        temperature: 1.2,
        enabledChannels: ["WEB_CHAT", "SMS"],
        businessHours: {
          timeZone: "Europe/Paris",
          windows: [{ day: "MONDAY", opensAt: "09:00", closesAt: "18:00" }],
        },
        handOff: { enabled: true, triggerPhrases: ["agent"] },
      },
    });
    expect(saved.errors).toBeUndefined();
    expect(saved.data?.updateAiAssistantConfig).toMatchObject({
      state: "CUSTOMIZED",
      modelName: AI_ASSISTANT_DEFAULTS.modelName,
      temperature: 1.2,
      maxTokens: AI_ASSISTANT_DEFAULTS.maxTokens,
      enabledChannels: ["WEB_CHAT", "SMS"],
      businessHours: { timeZone: "Europe/Paris" },
      handOff: { enabled: true, afterUnresolvedMessages: null, triggerPhrases: ["agent"] },
      updatedBy: admin.userId,
    });
    expect((await as(admin, READ)).data?.aiAssistantConfig).toEqual(
      saved.data?.updateAiAssistantConfig,
    );

    const trail = await as(admin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
    });
    const entries = trail.data?.auditTrail as {
      id: string;
      action: string;
      actorId: string;
      changes: { field: string; before: string | null; after: string | null }[];
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "CREATED", actorId: admin.userId });
    expect(entries[0].changes).toContainEqual({
      field: "temperature",
      before: null,
      after: "1.2",
    });

    // The same record, as an audit.* security event of the same id.
    await waitFor(async () => {
      const events = await subgraph.securityEvents();
      return events.some((event) => event.id === entries[0].id);
    });
    const event = (await subgraph.securityEvents()).find((e) => e.id === entries[0].id);
    expect(event).toMatchObject({
      type: "audit.ai_assistant_config.created",
      actorId: admin.userId,
      organizationId: admin.organizationId,
    });
    expect(JSON.parse(event?.reason ?? "{}")).toMatchObject({
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
      changes: expect.arrayContaining([{ field: "temperature", before: null, after: 1.2 }]),
    });
  });

  it("refuses each invalid field with BAD_USER_INPUT naming it, and stores nothing", async () => {
    const admin = adminOfNewOrganization();
    const cases: [Record<string, unknown>, string][] = [
      [{ temperature: 2.01 }, "input.temperature"],
      [{ temperature: -0.1 }, "input.temperature"],
      [{ maxTokens: 0 }, "input.maxTokens"],
      [{ maxTokens: 40_000 }, "input.maxTokens"],
      [{ systemPrompt: "x".repeat(20_001) }, "input.systemPrompt"],
      [{ modelName: "" }, "input.modelName"],
      [{ modelName: "gpt 4; drop" }, "input.modelName"],
      [{ enabledChannels: ["SMS", "SMS"] }, "input.enabledChannels"],
      [
        { businessHours: { timeZone: "Mars/Olympus", windows: [] } },
        "input.businessHours.timeZone",
      ],
      [
        {
          businessHours: {
            timeZone: "UTC",
            windows: [{ day: "MONDAY", opensAt: "18:00", closesAt: "09:00" }],
          },
        },
        "input.businessHours.windows.0.closesAt",
      ],
      [
        {
          businessHours: {
            timeZone: "UTC",
            windows: [{ day: "MONDAY", opensAt: "25:00", closesAt: "26:00" }],
          },
        },
        "input.businessHours.windows.0.opensAt",
      ],
      [
        {
          handOff: { enabled: true, triggerPhrases: Array.from({ length: 21 }, (_, i) => `p${i}`) },
        },
        "input.handOff.triggerPhrases",
      ],
      [
        { handOff: { enabled: true, afterUnresolvedMessages: 0 } },
        "input.handOff.afterUnresolvedMessages",
      ],
    ];
    for (const [input, field] of cases) {
      const body = await as(admin, UPDATE, { input });
      expect({ field, code: codeOf(body), named: fieldOf(body), data: body.data }).toEqual({
        field,
        code: "BAD_USER_INPUT",
        named: field,
        data: null,
      });
    }
    const stored = await as(admin, READ);
    expect(stored.data?.aiAssistantConfig).toMatchObject({ state: "DEFAULTS" });
    const trail = await as(admin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
    });
    expect(trail.data?.auditTrail).toEqual([]);
  });

  it("accepts a system prompt of exactly 20,000 characters", async () => {
    const admin = adminOfNewOrganization();
    const body = await as(admin, UPDATE, { input: { systemPrompt: "y".repeat(20_000) } });
    expect(body.errors).toBeUndefined();
    const trail = await as(admin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
    });
    const [entry] = trail.data?.auditTrail as { changes: { field: string; after: string }[] }[];
    // Long text is audited by length and digest, not copied.
    const prompt = entry.changes.find((change) => change.field === "systemPrompt");
    expect(JSON.parse(prompt?.after ?? "null")).toEqual({
      length: 20_000,
      sha256: expect.any(String),
    });
  });

  it("resets to the defaults, audited as a deletion", async () => {
    const admin = adminOfNewOrganization();
    await as(admin, UPDATE, { input: { maxTokens: 2048 } });
    const reset = await as(admin, RESET);
    expect(reset).toEqual({
      data: { resetAiAssistantConfig: { state: "DEFAULTS", temperature: 0.7 } },
    });
    const trail = await as(admin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
    });
    expect((trail.data?.auditTrail as { action: string }[]).map((e) => e.action)).toEqual([
      "DELETED",
      "CREATED",
    ]);
  });

  it("lets only the organization's owner or admins read and change it", async () => {
    const organizationId = adminOfNewOrganization().organizationId;
    for (const role of ["org:member", "org:editor", "org:customer"]) {
      const caller = testIdentity({ userId: "user_ai_not_admin", organizationId, role });
      for (const [query, variables] of [
        [READ, undefined],
        [UPDATE, { input: { temperature: 1 } }],
        [RESET, undefined],
      ] as const) {
        const body = await as(caller, query, variables);
        expect({ role, query, code: codeOf(body) }).toEqual({ role, query, code: "FORBIDDEN" });
      }
    }
    const owner = testIdentity({ userId: "user_ai_owner", organizationId, role: "org:owner" });
    expect((await as(owner, UPDATE, { input: { temperature: 1 } })).errors).toBeUndefined();
    const anonymous = await subgraph.query(READ);
    expect(codeOf(anonymous.body)).toBe("UNAUTHENTICATED");
  });

  it("lets superadmins with a second factor read any organization's, and nobody else", async () => {
    const query = `query($id: ID!) { organizationAiAssistantConfig(organizationId: $id) { organizationId state } }`;
    const read = await as(superadmin, query, { id: "org_demo_globex" });
    expect(read).toEqual({
      data: {
        organizationAiAssistantConfig: { organizationId: "org_demo_globex", state: "DEFAULTS" },
      },
    });
    const unknown = await as(superadmin, query, { id: "org_nowhere" });
    expect(codeOf(unknown)).toBe("NOT_FOUND");
    const signedIn = await as({ ...superadmin, securityLevel: SecurityLevel.SignedIn }, query, {
      id: "org_demo_globex",
    });
    expect(codeOf(signedIn)).toBe("STEP_UP_REQUIRED");
    const acmeAdmin = await as(testIdentity(), query, { id: "org_demo_globex" });
    expect(codeOf(acmeAdmin)).toBe("FORBIDDEN");
    // A superadmin reads; changing is for the organization's own admins (their own org only).
    const trail = await as(superadmin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: "org_demo_acme",
    });
    expect(trail.errors).toBeUndefined();
  });

  it("keeps each organization's audit trail to itself, whatever id is asked for", async () => {
    const acme = adminOfNewOrganization();
    await as(acme, UPDATE, { input: { temperature: 0.1 } });
    const other = adminOfNewOrganization();
    const body = await as(other, TRAIL, { entity: "AI_ASSISTANT_CONFIG", id: acme.organizationId });
    expect(body).toEqual({ data: { auditTrail: [] } });
    const member = testIdentity({ organizationId: acme.organizationId, role: "org:member" });
    const refused = await as(member, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: acme.organizationId,
    });
    expect(codeOf(refused)).toBe("FORBIDDEN");
  });

  it("serializes concurrent saves: each audit entry's before is the previous entry's after", async () => {
    const admin = adminOfNewOrganization();
    const temperatures = Array.from({ length: 8 }, (_, i) => (i + 1) / 10);
    const answers = await Promise.all(
      temperatures.map((temperature) => as(admin, UPDATE, { input: { temperature } })),
    );
    expect(answers.map((body) => body.errors)).toEqual(temperatures.map(() => undefined));
    const trail = await as(admin, TRAIL, {
      entity: "AI_ASSISTANT_CONFIG",
      id: admin.organizationId,
    });
    const entries = (
      trail.data?.auditTrail as {
        action: string;
        changes: { field: string; before: string | null; after: string | null }[];
      }[]
    ).reverse();
    expect(entries.map((entry) => entry.action)).toEqual([
      "CREATED",
      ...temperatures.slice(1).map(() => "UPDATED"),
    ]);
    const temperatureOf = (entry: (typeof entries)[number], side: "before" | "after") =>
      entry.changes.find((change) => change.field === "temperature")?.[side] ?? null;
    for (let i = 1; i < entries.length; i += 1) {
      expect(temperatureOf(entries[i], "before")).toBe(temperatureOf(entries[i - 1], "after"));
    }
    const final = await as(admin, READ);
    expect(String((final.data?.aiAssistantConfig as { temperature: number }).temperature)).toBe(
      temperatureOf(entries[entries.length - 1], "after"),
    );
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
