import { generateKeyPairSync, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import {
  anonymousIdentity,
  AssertionReplayGuard,
  operationDigest,
  SecurityLevel,
  signIdentity,
  verifyAssertion,
  verifyIdentity,
  type Identity,
  type SubgraphOperation,
} from "../../src";
import { createMemoryStores } from "../../src/stores";

const gatewayKeys = generateKeyPairSync("ed25519");
const otherKeys = generateKeyPairSync("ed25519");

// The in-memory stores: the replay check's semantics are the store's `SET NX PX`, which the
// stores' shared suite holds to on Redis too.
const stores = createMemoryStores();
afterAll(() => stores.close());

/** A fetch as the gateway sends it to a subgraph. */
const operation: SubgraphOperation = {
  query: "query Orders($first: Int) { orders(first: $first) { id } }",
  operationName: "Orders",
  variables: { first: 10 },
};
/** A subgraph's check, with a replay set of its own. */
const call = (audience: string, presented: SubgraphOperation = operation) => ({
  operation: presented,
  replayGuard: new AssertionReplayGuard(stores.kv, `${audience}-${Math.random()}`),
});

const alice: Identity = {
  userId: "user_alice",
  sessionId: "sess_1",
  organizationId: "org_acme",
  organizationSlug: "acme",
  role: "org:admin",
  permissions: ["org:orders:read"],
  securityLevel: SecurityLevel.SignedIn,
  requestId: "req-1",
  ip: "203.0.113.7",
};

const expectRefused = (promise: Promise<unknown>) =>
  expect(promise).rejects.toMatchObject({
    extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
  });

describe("identity assertions", () => {
  it("round-trips every field for the intended subgraph", async () => {
    const assertion = signIdentity(alice, "commerce", gatewayKeys.privateKey, operation);
    await expect(
      verifyIdentity(assertion, "commerce", gatewayKeys.publicKey, call("commerce")),
    ).resolves.toEqual(alice);
  });

  it("round-trips an anonymous caller", async () => {
    const anonymous = anonymousIdentity("req-2");
    const assertion = signIdentity(anonymous, "security", gatewayKeys.privateKey, operation);
    await expect(
      verifyIdentity(assertion, "security", gatewayKeys.publicKey, call("security")),
    ).resolves.toEqual(anonymous);
  });

  it("refuses a missing assertion", () =>
    expectRefused(verifyIdentity(undefined, "commerce", gatewayKeys.publicKey, call("commerce"))));

  it("refuses an assertion meant for another subgraph", async () => {
    const assertion = signIdentity(alice, "security", gatewayKeys.privateKey, operation);
    await expectRefused(verifyAssertion(assertion, "commerce", gatewayKeys.publicKey));
  });

  it("refuses an assertion signed by another key (forged)", async () => {
    const assertion = signIdentity(alice, "commerce", otherKeys.privateKey, operation);
    await expectRefused(verifyAssertion(assertion, "commerce", gatewayKeys.publicKey));
  });

  it("refuses a tampered payload", async () => {
    const [header, , signature] = signIdentity(
      alice,
      "commerce",
      gatewayKeys.privateKey,
      operation,
    ).split(".");
    const payload = Buffer.from(
      JSON.stringify({ sub: "user_mallory", lvl: 3, rid: "x", aud: "commerce" }),
    ).toString("base64url");
    await expectRefused(
      verifyAssertion(`${header}.${payload}.${signature}`, "commerce", gatewayKeys.publicKey),
    );
  });

  it("refuses alg none", async () => {
    const header = Buffer.from(
      JSON.stringify({ alg: "none", typ: "rampart-identity+jwt" }),
    ).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        sub: "user_alice",
        lvl: 1,
        rid: "r",
        aud: "commerce",
        iss: "rampart-gateway",
        iat: now,
        exp: now + 60,
      }),
    ).toString("base64url");
    await expectRefused(
      verifyAssertion(`${header}.${payload}.`, "commerce", gatewayKeys.publicKey),
    );
  });

  it("refuses an expired assertion", async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const expired = await new SignJWT({ lvl: 1, rid: "r" })
      .setProtectedHeader({ alg: "EdDSA", typ: "rampart-identity+jwt" })
      .setIssuer("rampart-gateway")
      .setAudience("commerce")
      .setIssuedAt(past)
      .setExpirationTime(past + 60)
      .sign(gatewayKeys.privateKey);
    await expectRefused(verifyAssertion(expired, "commerce", gatewayKeys.publicKey));
  });

  it("refuses a security level that does not exist", async () => {
    const bogus = await new SignJWT({ lvl: 9, rid: "r", oph: operationDigest(operation) })
      .setProtectedHeader({ alg: "EdDSA", typ: "rampart-identity+jwt" })
      .setIssuer("rampart-gateway")
      .setAudience("commerce")
      .setIssuedAt()
      .setJti("bogus-level")
      .setExpirationTime("60s")
      .sign(gatewayKeys.privateKey);
    await expectRefused(verifyAssertion(bogus, "commerce", gatewayKeys.publicKey));
  });

  it("refuses garbage", () =>
    expectRefused(verifyAssertion("not-a-jws", "commerce", gatewayKeys.publicKey)));
});

describe("identity assertions bound to one operation, used once", () => {
  /** An otherwise valid assertion with exactly these extra claims (and a jti unless removed). */
  const handMade = (claims: Record<string, unknown>, jti: string | null = randomUUID()) => {
    const jws = new SignJWT({ lvl: 1, rid: "r", ...claims })
      .setProtectedHeader({ alg: "EdDSA", typ: "rampart-identity+jwt" })
      .setIssuer("rampart-gateway")
      .setAudience("commerce")
      .setIssuedAt()
      .setExpirationTime("60s");
    if (jti !== null) jws.setJti(jti);
    return jws.sign(gatewayKeys.privateKey);
  };

  it.each([
    ["another query", { ...operation, query: "{ orders { id totalCents } }" }],
    ["other variables", { ...operation, variables: { first: 10_000 } }],
    ["a variable added", { ...operation, variables: { first: 10, after: "x" } }],
    ["another operation name", { ...operation, operationName: "Other" }],
    ["extensions added", { ...operation, extensions: { persistedQuery: { version: 1 } } }],
    ["no body", {}],
  ])("refuses the assertion with a tampered body: %s", async (_name, tampered) => {
    const assertion = signIdentity(alice, "commerce", gatewayKeys.privateKey, operation);
    const guard = call("commerce", tampered);
    await expect(
      verifyIdentity(assertion, "commerce", gatewayKeys.publicKey, guard),
    ).rejects.toMatchObject({
      message: "The gateway identity assertion is for another operation.",
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
    // Refused before use: the call it was captured from still goes through.
    await expect(
      verifyIdentity(assertion, "commerce", gatewayKeys.publicKey, { ...guard, operation }),
    ).resolves.toEqual(alice);
  });

  it("refuses a replayed jti within its lifetime, per subgraph", async () => {
    const replayGuard = new AssertionReplayGuard(stores.kv, "commerce");
    const assertion = signIdentity(alice, "commerce", gatewayKeys.privateKey, operation);
    const check = () =>
      verifyIdentity(assertion, "commerce", gatewayKeys.publicKey, { operation, replayGuard });
    await expect(check()).resolves.toEqual(alice);
    await expect(check()).rejects.toMatchObject({
      message: "The gateway identity assertion was used before.",
      extensions: { code: "UNAUTHENTICATED" },
    });
    // The same identity and operation signed again is a new assertion: accepted.
    const again = signIdentity(alice, "commerce", gatewayKeys.privateKey, operation);
    await expect(
      verifyIdentity(again, "commerce", gatewayKeys.publicKey, { operation, replayGuard }),
    ).resolves.toEqual(alice);
    // Remembered until the assertion expires (60 s, plus a second for exp's resolution).
    const { id } = await verifyAssertion(assertion, "commerce", gatewayKeys.publicKey);
    const ttlMs = await stores.kv.ttlMs(`identity:jti:commerce:${id}`);
    expect(ttlMs).toBeGreaterThan(55_000);
    expect(ttlMs).toBeLessThanOrEqual(61_000);
  });

  it("while the stores are down: 503 for a signed-in caller, single use per replica for an anonymous one", async () => {
    const down = {
      set: () => Promise.reject(new Error("connection is closed")),
    };
    const replayGuard = new AssertionReplayGuard(down, "commerce");
    const signedIn = signIdentity(alice, "commerce", gatewayKeys.privateKey, operation);
    await expect(
      verifyIdentity(signedIn, "commerce", gatewayKeys.publicKey, { operation, replayGuard }),
    ).rejects.toMatchObject({ extensions: { code: "SERVICE_UNAVAILABLE" } });
    const anonymous = anonymousIdentity("req_anon", "203.0.113.9");
    const assertion = signIdentity(anonymous, "commerce", gatewayKeys.privateKey, operation);
    const check = () =>
      verifyIdentity(assertion, "commerce", gatewayKeys.publicKey, { operation, replayGuard });
    await expect(check()).resolves.toMatchObject({ userId: null, securityLevel: 0 });
    await expect(check()).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("refuses a wrong or missing operation hash, and a missing jti", async () => {
    const wrong = await handMade({ oph: operationDigest({ ...operation, variables: {} }) });
    await expectRefused(verifyIdentity(wrong, "commerce", gatewayKeys.publicKey, call("commerce")));
    const garbage = await handMade({ oph: "not-a-digest" });
    await expectRefused(
      verifyIdentity(garbage, "commerce", gatewayKeys.publicKey, call("commerce")),
    );
    const notText = await handMade({ oph: 42 });
    await expectRefused(verifyAssertion(notText, "commerce", gatewayKeys.publicKey));
    const unbound = await handMade({});
    await expectRefused(verifyAssertion(unbound, "commerce", gatewayKeys.publicKey));
    const noJti = await handMade({ oph: operationDigest(operation) }, null);
    await expectRefused(verifyAssertion(noJti, "commerce", gatewayKeys.publicKey));
    // The control: the same hand-made assertion with the right hash and a jti is accepted.
    const right = await handMade({ oph: operationDigest(operation) });
    await expect(
      verifyIdentity(right, "commerce", gatewayKeys.publicKey, call("commerce")),
    ).resolves.toMatchObject({ userId: null, requestId: "r" });
  });

  it("hashes what the subgraph parses the same as what the gateway serialized", () => {
    const sent = {
      query: "query Q($input: Input) { q(input: $input) }",
      operationName: undefined,
      variables: {
        input: { b: 1, 10: "ten", 2: "two", a: [1.5, -0, null, undefined, "é\u2028\ud800"] },
        dropped: undefined,
      },
    };
    const parsed = JSON.parse(JSON.stringify(sent)) as SubgraphOperation;
    expect(operationDigest(parsed)).toBe(operationDigest(sent));
    expect(operationDigest(parsed)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
