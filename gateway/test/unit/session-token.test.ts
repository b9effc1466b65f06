import { generateKeyPairSync } from "node:crypto";
import { signJwt } from "@clerk/backend/jwt";
import { issueDevToken } from "../../src/auth/dev-issuer";
import { createSessionTokenVerifier, TokenRejected } from "../../src/auth/session-token";

const pem = (pair: ReturnType<typeof generateKeyPairSync>) => ({
  privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
});
const issuerKeys = pem(generateKeyPairSync("rsa", { modulusLength: 2048 }));
const otherKeys = pem(generateKeyPairSync("rsa", { modulusLength: 2048 }));

const issuer = "https://clerk.shop.example";
const authorizedParty = "https://shop.example";
const verify = createSessionTokenVerifier({
  jwtKey: issuerKeys.publicKeyPem,
  issuer,
  authorizedParties: [authorizedParty],
});

const now = () => Math.floor(Date.now() / 1000);
const baseClaims = () => ({
  iss: issuer,
  azp: authorizedParty,
  sub: "user_1",
  sid: "sess_1",
  iat: now(),
  nbf: now() - 5,
  exp: now() + 60,
});
const sign = (claims: Record<string, unknown>, privateKeyPem = issuerKeys.privateKeyPem) =>
  signJwt(claims, privateKeyPem, { algorithm: "RS256", header: { kid: "ins_test" } });

const rejectionOf = async (token: string) => {
  try {
    await verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejected);
    return (error as TokenRejected).message;
  }
  throw new Error("token was accepted");
};

describe("session token verification (Clerk, networkless)", () => {
  it("accepts a v2 token and reads its organization claims", async () => {
    const token = await issueDevToken(
      {
        userId: "user_1",
        organizationId: "org_1",
        organizationSlug: "acme",
        role: "admin",
        permissions: ["org:orders:read", "org:orders:manage", "org:products:read"],
      },
      { privateKeyPem: issuerKeys.privateKeyPem, issuer, authorizedParty },
    );
    await expect(verify(token)).resolves.toMatchObject({
      userId: "user_1",
      organizationId: "org_1",
      organizationSlug: "acme",
      role: "org:admin",
      permissions: expect.arrayContaining([
        "org:orders:read",
        "org:orders:manage",
        "org:products:read",
      ]),
    });
    expect((await verify(token)).permissions).toHaveLength(3);
  });

  it("accepts a v1 token and reads its organization claims", async () => {
    const token = await sign({
      ...baseClaims(),
      org_id: "org_2",
      org_role: "org:member",
      org_slug: "globex",
      org_permissions: ["org:orders:read"],
    });
    await expect(verify(token)).resolves.toMatchObject({
      userId: "user_1",
      sessionId: "sess_1",
      organizationId: "org_2",
      organizationSlug: "globex",
      role: "org:member",
      permissions: ["org:orders:read"],
    });
  });

  it("accepts a token with no active organization", async () => {
    await expect(verify(await sign(baseClaims()))).resolves.toMatchObject({
      organizationId: null,
      role: null,
      permissions: [],
    });
  });

  it("refuses a malformed token", async () => {
    expect(await rejectionOf("not.a.jwt")).toMatch(/token-invalid/);
  });

  it("refuses a wrong signature", async () => {
    expect(await rejectionOf(await sign(baseClaims(), otherKeys.privateKeyPem))).toBe(
      "token-invalid-signature",
    );
  });

  it("refuses alg none", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify(baseClaims())).toString("base64url");
    expect(await rejectionOf(`${header}.${payload}.`)).toMatch(/token-invalid/);
  });

  it("refuses an expired token", async () => {
    expect(
      await rejectionOf(
        await sign({ ...baseClaims(), iat: now() - 600, nbf: now() - 600, exp: now() - 300 }),
      ),
    ).toBe("token-expired");
  });

  it("refuses a token that is not valid yet (nbf in the future)", async () => {
    expect(await rejectionOf(await sign({ ...baseClaims(), nbf: now() + 300 }))).toBe(
      "token-not-active-yet",
    );
  });

  it("refuses a wrong azp", async () => {
    expect(await rejectionOf(await sign({ ...baseClaims(), azp: "https://evil.example" }))).toBe(
      "token-invalid-authorized-parties",
    );
  });

  it("refuses a missing azp", async () => {
    const { azp: _azp, ...claims } = baseClaims();
    // Clerk refuses it when authorizedParties is set; the verifier refuses it regardless.
    expect(await rejectionOf(await sign(claims))).toMatch(
      /^(token-invalid-authorized-parties|token-missing-azp)$/,
    );
  });

  it("refuses a wrong iss", async () => {
    expect(
      await rejectionOf(await sign({ ...baseClaims(), iss: "https://clerk.evil.example" })),
    ).toBe("token-invalid-issuer");
  });

  it("refuses a session that is not active (sts)", async () => {
    expect(await rejectionOf(await sign({ ...baseClaims(), sts: "pending" }))).toBe(
      "session-status-pending",
    );
  });

  it("verifies a token once, and again once it has expired", async () => {
    const strict = createSessionTokenVerifier({
      jwtKey: issuerKeys.publicKeyPem,
      issuer,
      authorizedParties: [authorizedParty],
      clockSkewInMs: 0,
    });
    // `exp` has whole-second resolution: three seconds ahead leaves at least two to verify.
    const exp = now() + 3;
    const token = await sign({ ...baseClaims(), exp });
    await expect(strict(token)).resolves.toMatchObject({ userId: "user_1" });
    await expect(strict(token)).resolves.toMatchObject({ userId: "user_1" });
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1_100));
    await expect(strict(token)).rejects.toThrow("token-expired");
  });

  it("refuses a token without a session id", async () => {
    const { sid: _sid, ...claims } = baseClaims();
    expect(await rejectionOf(await sign(claims))).toBe("token-missing-subject");
  });
});
