import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { IDENTITY_HEADER, SecurityLevel, signIdentity } from "@rampart/kit";
import {
  createTestDatabase,
  freePort,
  postGraphQL,
  startNode,
  testIdentity,
  testServices,
  waitForHttp,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";

jest.setTimeout(120_000);

/**
 * The commerce process as deployed (its built `main.js`), logging at `trace`, the most it can:
 * no line of its output holds a payment secret, whether the save succeeds, is refused as
 * invalid, or is refused for want of a step-up.
 */
describe("the commerce process's logs", () => {
  const script = path.join(__dirname, "..", "..", "dist", "main.js");
  const keys = generateKeyPairSync("ed25519");
  let database: TestDatabase | undefined;
  let dataDir: string;
  let subgraph: TestProcess;
  let url: string;

  beforeAll(async () => {
    const { databaseUrl } = testServices();
    database = databaseUrl ? await createTestDatabase(databaseUrl) : undefined;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-commerce-logs-"));
    const port = await freePort();
    subgraph = startNode(script, {
      PORT: String(port),
      LOG_LEVEL: "trace",
      RAMPART_DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? "",
      REDIS_URL: "",
      GATEWAY_IDENTITY_PUBLIC_KEY: keys.publicKey
        .export({ type: "spki", format: "pem" })
        .toString(),
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000, 200, subgraph);
    url = `http://127.0.0.1:${port}/graphql`;
  });
  afterAll(async () => {
    await subgraph?.stop();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (securityLevel: SecurityLevel, input: Record<string, unknown>) => {
    const query = `mutation($input: PaymentSettingsInput!) { updatePaymentSettings(input: $input) { secretKeyLastFour } }`;
    const variables = { input };
    const identity = testIdentity({ securityLevel, organizationId: "org_logs_test" });
    const assertion = signIdentity(identity, "commerce", keys.privateKey, { query, variables });
    return postGraphQL(url, query, { variables, headers: { [IDENTITY_HEADER]: assertion } });
  };

  it("holds no payment secret, at any log level", async () => {
    const secretKey = "sk_live_LogProbe7Hx2Kq9Wm4Zt";
    const webhookSigningSecret = "whsec_LogProbe3Vn8Rb5Yc1Jd";
    const input = {
      provider: "STRIPE",
      publishableKey: "pk_live_LogProbePublishable",
      secretKey,
      webhookSigningSecret,
      payoutSchedule: "DAILY",
      currency: "EUR",
    };
    expect((await send(SecurityLevel.StepUp, input)).body.errors).toBeUndefined();
    const invalid = await send(SecurityLevel.StepUp, { ...input, currency: "NOPE" });
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const notSteppedUp = await send(SecurityLevel.SignedIn, input);
    expect(notSteppedUp.body.errors?.[0]?.extensions?.code).toBe("STEP_UP_REQUIRED");

    // The process logged each of these requests (logs are written asynchronously).
    const deadline = Date.now() + 10_000;
    while ((subgraph.output().match(/"msg":"graphql request"/g) ?? []).length < 3) {
      if (Date.now() > deadline) throw new Error(`missing request logs:\n${subgraph.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const output = subgraph.output();
    expect(output).toContain('"outcome":"STEP_UP_REQUIRED"');
    for (const secret of [secretKey, webhookSigningSecret]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(secret.slice(-12));
    }
  });
});
