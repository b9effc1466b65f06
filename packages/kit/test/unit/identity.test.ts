import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import {
  anonymousIdentity,
  SecurityLevel,
  signIdentity,
  verifyIdentity,
  type Identity,
} from "../../src";

const gatewayKeys = generateKeyPairSync("ed25519");
const otherKeys = generateKeyPairSync("ed25519");

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
    const assertion = await signIdentity(alice, "commerce", gatewayKeys.privateKey);
    await expect(verifyIdentity(assertion, "commerce", gatewayKeys.publicKey)).resolves.toEqual(
      alice,
    );
  });

  it("round-trips an anonymous caller", async () => {
    const anonymous = anonymousIdentity("req-2");
    const assertion = await signIdentity(anonymous, "security", gatewayKeys.privateKey);
    await expect(verifyIdentity(assertion, "security", gatewayKeys.publicKey)).resolves.toEqual(
      anonymous,
    );
  });

  it("refuses a missing assertion", () =>
    expectRefused(verifyIdentity(undefined, "commerce", gatewayKeys.publicKey)));

  it("refuses an assertion meant for another subgraph", async () => {
    const assertion = await signIdentity(alice, "security", gatewayKeys.privateKey);
    await expectRefused(verifyIdentity(assertion, "commerce", gatewayKeys.publicKey));
  });

  it("refuses an assertion signed by another key (forged)", async () => {
    const assertion = await signIdentity(alice, "commerce", otherKeys.privateKey);
    await expectRefused(verifyIdentity(assertion, "commerce", gatewayKeys.publicKey));
  });

  it("refuses a tampered payload", async () => {
    const [header, , signature] = (
      await signIdentity(alice, "commerce", gatewayKeys.privateKey)
    ).split(".");
    const payload = Buffer.from(
      JSON.stringify({ sub: "user_mallory", lvl: 3, rid: "x", aud: "commerce" }),
    ).toString("base64url");
    await expectRefused(
      verifyIdentity(`${header}.${payload}.${signature}`, "commerce", gatewayKeys.publicKey),
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
    await expectRefused(verifyIdentity(`${header}.${payload}.`, "commerce", gatewayKeys.publicKey));
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
    await expectRefused(verifyIdentity(expired, "commerce", gatewayKeys.publicKey));
  });

  it("refuses a security level that does not exist", async () => {
    const bogus = await new SignJWT({ lvl: 9, rid: "r" })
      .setProtectedHeader({ alg: "EdDSA", typ: "rampart-identity+jwt" })
      .setIssuer("rampart-gateway")
      .setAudience("commerce")
      .setIssuedAt()
      .setExpirationTime("60s")
      .sign(gatewayKeys.privateKey);
    await expectRefused(verifyIdentity(bogus, "commerce", gatewayKeys.publicKey));
  });

  it("refuses garbage", () =>
    expectRefused(verifyIdentity("not-a-jws", "commerce", gatewayKeys.publicKey)));
});
