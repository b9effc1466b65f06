import { generateKeyPairSync } from "node:crypto";
import type { TestPlatform } from "../support/platform";
import {
  bearer,
  dataIn,
  forgeJwt,
  postJson,
  profiles,
  sessionClaims,
  startAttackPlatform,
  tokenSettings,
  urlOf,
  validToken,
  type Signer,
  type TokenSettings,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Family "JWT forgeries": session tokens an attacker can make without the issuer's private key
 * (or with it, but claims the gateway must refuse), sent to both profiles. Every one is
 * refused with 401 UNAUTHENTICATED; a token in the wrong header or scheme is refused or
 * ignored (anonymous), never believed.
 */

const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
const attackerPem = attacker.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const attackerJwk = attacker.publicKey.export({ format: "jwk" });
const byAttacker: Signer = { kind: "rsa-key", privateKeyPem: attackerPem };
const now = () => Math.floor(Date.now() / 1000);
const rs256 = { alg: "RS256", typ: "JWT", kid: "ins_dev_rampart" };

/** A forgery: the token it builds from the issuer's settings. */
type Forgery = [name: string, build: (settings: TokenSettings) => string];

const forgeries: Forgery[] = [
  [
    "alg none, no signature",
    (s) => forgeJwt(s, { alg: "none", typ: "JWT" }, sessionClaims(s), { kind: "none" }),
  ],
  [
    "alg None (case variant), no signature",
    (s) => forgeJwt(s, { alg: "None", typ: "JWT" }, sessionClaims(s), { kind: "none" }),
  ],
  [
    "alg NONE, no signature",
    (s) => forgeJwt(s, { alg: "NONE" }, sessionClaims(s), { kind: "none" }),
  ],
  [
    "alg none with the issuer's real signature kept",
    (s) => forgeJwt(s, { alg: "none", typ: "JWT" }, sessionClaims(s)),
  ],
  [
    "alg missing from the header",
    (s) => forgeJwt(s, { typ: "JWT", kid: "ins_dev_rampart" }, sessionClaims(s)),
  ],
  [
    "HS256 signed with the RSA public key PEM (HS/RS confusion)",
    (s) =>
      forgeJwt(s, { alg: "HS256", typ: "JWT" }, sessionClaims(s), {
        kind: "hmac",
        secret: s.publicKeyPem,
      }),
  ],
  [
    "HS256 with the issuer's kid, public key as secret",
    (s) =>
      forgeJwt(s, { ...rs256, alg: "HS256" }, sessionClaims(s), {
        kind: "hmac",
        secret: s.publicKeyPem,
      }),
  ],
  [
    "HS256 with the public key PEM trimmed",
    (s) =>
      forgeJwt(s, { alg: "HS256" }, sessionClaims(s), {
        kind: "hmac",
        secret: s.publicKeyPem.trim(),
      }),
  ],
  [
    "HS384 with the public key as secret",
    (s) =>
      forgeJwt(s, { alg: "HS384" }, sessionClaims(s), {
        kind: "hmac",
        secret: s.publicKeyPem,
        hash: "sha384",
      }),
  ],
  [
    "HS512 with the public key as secret",
    (s) =>
      forgeJwt(s, { alg: "HS512" }, sessionClaims(s), {
        kind: "hmac",
        secret: s.publicKeyPem,
        hash: "sha512",
      }),
  ],
  [
    "HS256 with an empty secret",
    (s) => forgeJwt(s, { alg: "HS256" }, sessionClaims(s), { kind: "hmac", secret: "" }),
  ],
  ["RS256 signed by another key", (s) => forgeJwt(s, rs256, sessionClaims(s), byAttacker)],
  [
    "embedded jwk header with the attacker's key",
    (s) =>
      forgeJwt(s, { alg: "RS256", typ: "JWT", jwk: attackerJwk }, sessionClaims(s), byAttacker),
  ],
  [
    "embedded jwk plus the issuer's kid",
    (s) => forgeJwt(s, { ...rs256, jwk: attackerJwk }, sessionClaims(s), byAttacker),
  ],
  [
    "jku header pointing at an attacker JWKS",
    (s) =>
      forgeJwt(
        s,
        { ...rs256, jku: "http://127.0.0.1:9/.well-known/jwks.json" },
        sessionClaims(s),
        byAttacker,
      ),
  ],
  [
    "x5u header pointing at an attacker certificate",
    (s) =>
      forgeJwt(s, { ...rs256, x5u: "http://127.0.0.1:9/cert.pem" }, sessionClaims(s), byAttacker),
  ],
  [
    "x5c header with an attacker chain",
    (s) => forgeJwt(s, { ...rs256, x5c: ["MIIBattacker"] }, sessionClaims(s), byAttacker),
  ],
  [
    "kid path traversal to /dev/null",
    (s) => forgeJwt(s, { alg: "RS256", kid: "../../../../dev/null" }, sessionClaims(s), byAttacker),
  ],
  [
    "kid SQL injection",
    (s) =>
      forgeJwt(s, { alg: "RS256", kid: "x' UNION SELECT 'key' --" }, sessionClaims(s), byAttacker),
  ],
  [
    "kid /dev/null with HS256 and an empty secret",
    (s) =>
      forgeJwt(s, { alg: "HS256", kid: "/dev/null" }, sessionClaims(s), {
        kind: "hmac",
        secret: "",
      }),
  ],
  [
    "crit header with an unknown extension",
    (s) =>
      forgeJwt(
        s,
        { ...rs256, crit: ["exp-attacker"], "exp-attacker": 1 },
        sessionClaims(s),
        byAttacker,
      ),
  ],
  [
    "PS256 signed by the issuer's key",
    (s) => forgeJwt(s, { ...rs256, alg: "PS256" }, sessionClaims(s)),
  ],
  [
    "RS512 with a SHA-256 signature",
    (s) => forgeJwt(s, { ...rs256, alg: "RS512" }, sessionClaims(s)),
  ],
  [
    "ES256 header on an RSA signature",
    (s) => forgeJwt(s, { ...rs256, alg: "ES256" }, sessionClaims(s)),
  ],
  [
    "expired an hour ago",
    (s) =>
      forgeJwt(
        s,
        rs256,
        sessionClaims(s, { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 }),
      ),
  ],
  [
    "expired 60 s ago (past the clock skew)",
    (s) => forgeJwt(s, rs256, sessionClaims(s, { exp: now() - 60 })),
  ],
  ["exp missing", (s) => forgeJwt(s, rs256, sessionClaims(s, { exp: undefined }))],
  ["exp as a string", (s) => forgeJwt(s, rs256, sessionClaims(s, { exp: "9999999999" }))],
  [
    "nbf ten minutes ahead (not yet valid)",
    (s) => forgeJwt(s, rs256, sessionClaims(s, { nbf: now() + 600 })),
  ],
  ["iat ten minutes ahead", (s) => forgeJwt(s, rs256, sessionClaims(s, { iat: now() + 600 }))],
  [
    "wrong azp (another site)",
    (s) => forgeJwt(s, rs256, sessionClaims(s, { azp: "https://evil.example" })),
  ],
  [
    "azp a look-alike of the real one",
    (s) => forgeJwt(s, rs256, sessionClaims(s, { azp: `${s.authorizedParty}.evil.example` })),
  ],
  ["azp missing", (s) => forgeJwt(s, rs256, sessionClaims(s, { azp: undefined }))],
  ["azp empty", (s) => forgeJwt(s, rs256, sessionClaims(s, { azp: "" }))],
  ["wrong iss", (s) => forgeJwt(s, rs256, sessionClaims(s, { iss: "https://evil.example" }))],
  [
    "iss with a trailing slash",
    (s) => forgeJwt(s, rs256, sessionClaims(s, { iss: `${s.issuer}/` })),
  ],
  ["iss missing", (s) => forgeJwt(s, rs256, sessionClaims(s, { iss: undefined }))],
  ["sid missing", (s) => forgeJwt(s, rs256, sessionClaims(s, { sid: undefined }))],
  ["sid not a string", (s) => forgeJwt(s, rs256, sessionClaims(s, { sid: 42 }))],
  ["sub missing", (s) => forgeJwt(s, rs256, sessionClaims(s, { sub: undefined }))],
  ["session status revoked", (s) => forgeJwt(s, rs256, sessionClaims(s, { sts: "revoked" }))],
  ["session status pending", (s) => forgeJwt(s, rs256, sessionClaims(s, { sts: "pending" }))],
  ["signature truncated", (s) => validToken(s).slice(0, -12)],
  [
    "signature bit-flipped",
    (s) => {
      const t = validToken(s);
      return `${t.slice(0, -4)}${t.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    },
  ],
  [
    "payload swapped under a valid signature",
    (s) => {
      const [h, , sig] = validToken(s).split(".");
      const [, p] = validToken(s, {
        o: { id: "org_rampart_admin", rol: "admin", slg: "rampart" },
      }).split(".");
      return `${h}.${p}.${sig}`;
    },
  ],
  ["two segments only", (s) => validToken(s).split(".").slice(0, 2).join(".")],
  ["four segments", (s) => `${validToken(s)}.extra`],
  ["garbage in three segments", () => "abc.def.ghi"],
  ["a single word", () => "token"],
  ["base64 of JSON, not a JWT", () => Buffer.from('{"sub":"user_demo_alice"}').toString("base64")],
  [
    "header not JSON",
    (s) =>
      `${Buffer.from("not json").toString("base64url")}.${validToken(s).split(".").slice(1).join(".")}`,
  ],
  [
    "payload not JSON",
    (s) => {
      const [h, , sig] = validToken(s).split(".");
      return `${h}.${Buffer.from("not json").toString("base64url")}.${sig}`;
    },
  ],
  ["8 kB of token characters", () => "a".repeat(8192)],
];

/** The header carries a valid token, but not the way the gateway accepts it. */
type Misplaced = [
  name: string,
  headers: (token: string) => Record<string, string>,
  expected: [status: number, code: string | null],
];

const misplaced: Misplaced[] = [
  [
    "scheme in lower case (bearer)",
    (t) => ({ authorization: `bearer ${t}` }),
    [401, "UNAUTHENTICATED"],
  ],
  ["scheme BEARER", (t) => ({ authorization: `BEARER ${t}` }), [401, "UNAUTHENTICATED"]],
  ["Basic scheme", (t) => ({ authorization: `Basic ${t}` }), [401, "UNAUTHENTICATED"]],
  ["Token scheme", (t) => ({ authorization: `Token ${t}` }), [401, "UNAUTHENTICATED"]],
  ["no scheme, the bare token", (t) => ({ authorization: t }), [401, "UNAUTHENTICATED"]],
  ["two spaces after Bearer", (t) => ({ authorization: `Bearer  ${t}` }), [401, "UNAUTHENTICATED"]],
  [
    "Bearer and a second credential",
    (t) => ({ authorization: `Bearer ${t}, Bearer x.y.z` }),
    [401, "UNAUTHENTICATED"],
  ],
  ["token in quotes", (t) => ({ authorization: `Bearer "${t}"` }), [401, "UNAUTHENTICATED"]],
  ["Bearer with no token", () => ({ authorization: "Bearer" }), [401, "UNAUTHENTICATED"]],
  [
    "X-Authorization header (ignored: anonymous)",
    (t) => ({ "x-authorization": `Bearer ${t}` }),
    [200, null],
  ],
  ["__session cookie (ignored: anonymous)", (t) => ({ cookie: `__session=${t}` }), [200, null]],
  ["X-Access-Token header (ignored: anonymous)", (t) => ({ "x-access-token": t }), [200, null]],
  [
    "Proxy-Authorization header (ignored: anonymous)",
    (t) => ({ "proxy-authorization": `Bearer ${t}` }),
    [200, null],
  ],
];

describe("attack family: JWT forgeries", () => {
  let platform: TestPlatform;
  let settings: TokenSettings;
  beforeAll(async () => {
    platform = await startAttackPlatform();
    settings = tokenSettings(platform);
  });
  afterAll(() => platform?.stop());

  it.each(profiles)("accepts the issuer's own token on %s (control)", async (profile) => {
    const answer = await postJson(
      urlOf(platform, profile),
      { query: "{ me { id } }" },
      bearer(validToken(settings, { sub: "user_attack_control" })),
    );
    expect([answer.status, answer.code]).toEqual([200, null]);
    expect(dataIn(answer.body)).toEqual({ me: { id: "user_attack_control" } });
  });

  describe.each(profiles)("on the %s profile", (profile) => {
    it.each(forgeries)("refuses %s with 401 UNAUTHENTICATED", async (_name, build) => {
      const answer = await postJson(
        urlOf(platform, profile),
        { query: "{ me { id } }" },
        bearer(build(settings)),
      );
      expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
      expect(dataIn(answer.body)).toBeUndefined();
    });

    it.each(misplaced)(
      "a valid token sent as %s is not believed",
      async (_name, headers, expected) => {
        const answer = await postJson(
          urlOf(platform, profile),
          { query: "{ me { id } }" },
          headers(validToken(settings)),
        );
        expect([answer.status, answer.code]).toEqual(expected);
        if (expected[0] === 200) expect(dataIn(answer.body)).toEqual({ me: null });
      },
    );
  });

  it("never names the refused claim or echoes the token", async () => {
    const token = forgeJwt(
      settings,
      rs256,
      sessionClaims(settings, { azp: "https://evil.example" }),
    );
    const answer = await postJson(platform.url, { query: "{ me { id } }" }, bearer(token));
    expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
    expect(answer.text).not.toMatch(/azp|evil\.example|eyJ/);
  });
});
