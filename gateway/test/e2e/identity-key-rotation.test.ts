import fs from "node:fs";
import path from "node:path";
import { anonymousIdentity, IDENTITY_HEADER, privateKeyFromPem, signIdentity } from "@rampart/kit";
import { postGraphQL } from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";

jest.setTimeout(180_000);

/**
 * `rampart keys rotate identity` on the embedded platform (`npm start`: no Redis, the
 * launcher's shared in-memory stores): signed-in traffic through both gateways goes on across
 * the switch and the old key's retirement with no request refused, and the old key is refused
 * afterwards. The same on Redis and PostgreSQL is the leaked-key drill (incident-drills).
 */
describe("identity key rotation while traffic flows (embedded platform)", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startPlatform({}, { RATE_LIMIT_ANONYMOUS_PER_IP: "100000" });
  });
  afterAll(() => platform?.stop());

  it("refuses no request, switches every gateway, then refuses the old key", async () => {
    const anchor = privateKeyFromPem(
      fs.readFileSync(path.join(platform.dataDir, "keys", "identity-ed25519.pem"), "utf8"),
    );
    const operation = { query: "{ __typename }" };
    const signedByOldKey = () =>
      fetch(platform.subgraphUrls.commerce, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [IDENTITY_HEADER]: signIdentity(
            anonymousIdentity("old-key"),
            "commerce",
            anchor,
            operation,
          ),
        },
        body: JSON.stringify(operation),
      }).then((response) => response.status);
    expect(await signedByOldKey()).toBe(200);

    const example = fs.readFileSync(
      path.join(__dirname, "..", "..", "..", "docs", "examples", "cross-subgraph.graphql"),
      "utf8",
    );
    const token = platform.devToken(
      "--user",
      "user_demo_alice",
      "--org",
      "org_demo_acme",
      "--role",
      "admin",
    );
    let running = true;
    let served = 0;
    let slowestMs = 0;
    const refused: unknown[] = [];
    const client = async (url: string, query: string) => {
      while (running) {
        const started = performance.now();
        const { status, body } = await postGraphQL(url, query, {
          headers: { authorization: `Bearer ${token}` },
        });
        slowestMs = Math.max(slowestMs, performance.now() - started);
        if (status === 200 && !body.errors) served++;
        else refused.push({ url, status, errors: body.errors });
      }
    };
    const traffic = Promise.all([
      client(platform.url, example),
      client(platform.url, "{ me { id } }"),
      client(platform.adminUrl, "{ me { id } }"),
    ]);
    const printed = JSON.parse(
      platform.rampart(
        "keys",
        "rotate",
        "identity",
        "--propagation-seconds",
        "1",
        "--overlap-seconds",
        "3",
      ),
    ) as { previousRetireAt: string };
    const retired = Date.parse(printed.previousRetireAt);
    await new Promise((resolve) => setTimeout(resolve, retired - Date.now() + 2_000));
    running = false;
    await traffic;
    process.stdout.write(
      `identity key rotation: ${served} requests served, ${refused.length} refused, slowest ${Math.round(slowestMs)} ms\n`,
    );

    expect(refused).toEqual([]);
    expect(served).toBeGreaterThan(20);
    expect(await signedByOldKey()).toBe(401);
  });
});
