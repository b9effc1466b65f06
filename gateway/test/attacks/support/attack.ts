import { createHmac, randomBytes, randomUUID, sign as signBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { testServices } from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../../support/platform";

/**
 * Shared tools of the attack suite (gateway/test/attacks): the platform as an attacker meets it,
 * real clients (fetch, node:http, raw node:net sockets) and token forgery with node:crypto.
 * Every case compares the exact pair [HTTP status, first `extensions.code`] (null when the answer
 * carries no GraphQL error, e.g. a refusal written by Node's own HTTP parser).
 */

/** Both faces of the gateway. */
export const profiles = ["main", "admin"] as const;
export type Profile = (typeof profiles)[number];

/**
 * Starts the whole platform once for a test file. Rate limits are raised far above what the
 * suite sends: each family probes its own refusal, not the budget (the rate-limit tests own it).
 */
export function startAttackPlatform(settings: Record<string, string> = {}): Promise<TestPlatform> {
  return startPlatform(testServices(), {
    LOG_LEVEL: "warn",
    RATE_LIMIT_ANONYMOUS_PER_IP: "1000000",
    RATE_LIMIT_ANONYMOUS_MUTATIONS_PER_IP: "1000000",
    RATE_LIMIT_PER_USER: "1000000",
    RATE_LIMIT_SIGNED_IN_PER_IP: "1000000",
    RATE_LIMIT_MUTATIONS_PER_USER: "1000000",
    ...settings,
  });
}

/** The GraphQL URL of a profile. */
export const urlOf = (platform: TestPlatform, profile: Profile): string =>
  profile === "main" ? platform.url : platform.adminUrl;

/** The TCP port of a profile. */
export const portOf = (platform: TestPlatform, profile: Profile): number =>
  Number(new URL(urlOf(platform, profile)).port);

/** What the suite compares: the status, the first error's code, and the parsed body. */
export interface Answer {
  status: number | null;
  code: string | null;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  text: string;
}

type GraphQLBody = {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: unknown; reason?: unknown } }[];
};

/** The first error's `extensions.code`, or null. */
export function codeIn(body: unknown): string | null {
  const code = (body as GraphQLBody | null)?.errors?.[0]?.extensions?.code;
  return typeof code === "string" ? code : null;
}

/** The first error's `extensions.reason`, or null. */
export function reasonIn(body: unknown): string | null {
  const reason = (body as GraphQLBody | null)?.errors?.[0]?.extensions?.reason;
  return typeof reason === "string" ? reason : null;
}

/** Every error's `extensions.code`, in order. */
export function codesIn(body: unknown): (string | null)[] {
  return ((body as GraphQLBody | null)?.errors ?? []).map((error) =>
    typeof error.extensions?.code === "string" ? error.extensions.code : null,
  );
}

/** `data` of a GraphQL answer. */
export function dataIn(body: unknown): Record<string, unknown> | null | undefined {
  return (body as GraphQLBody | null)?.data;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** One HTTP exchange with node:http (optionally from another loopback address). */
export function exchange(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
    localAddress?: string;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const body = parse(text);
          resolve({
            status: response.statusCode ?? null,
            code: codeIn(body),
            headers: response.headers,
            body,
            text,
          });
        });
      },
    );
    request.setTimeout(15_000, () =>
      request.destroy(new Error(`no answer from ${url} within 15 s`)),
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

/** A JSON GraphQL POST as a well-behaved client sends it, plus `headers`. */
export function postJson(
  url: string,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
  localAddress?: string,
): Promise<Answer> {
  return exchange(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(payload),
    localAddress,
  });
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

/**
 * Writes `bytes` on a raw TCP connection and reads until the server closes it (or `timeoutMs`).
 * `status` is null when the server answered nothing at all.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  { timeoutMs = 5000, localAddress }: { timeoutMs?: number; localAddress?: string } = {},
): Promise<Answer & { ended: "closed" | "timeout" }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (ended: "closed" | "timeout") => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const headers: http.IncomingHttpHeaders = {};
      for (const line of head.split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const bodyText = split === -1 ? "" : text.slice(split + 4);
      const body = parse(bodyText);
      resolve({
        status: status ? Number(status[1]) : null,
        code: codeIn(body),
        headers,
        body,
        text: bodyText,
        ended,
      });
    };
    socket.on("connect", () =>
      socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes),
    );
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // Keep-alive answers do not close: stop once a complete JSON or empty answer is in.
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, split));
      if (
        split !== -1 &&
        length &&
        Buffer.byteLength(text.slice(split + 4), "latin1") >= Number(length[1])
      )
        finish("closed");
    });
    socket.on("end", () => finish("closed"));
    socket.on("close", () => finish("closed"));
    socket.on("error", () => finish("closed"));
    socket.setTimeout(timeoutMs, () => finish("timeout"));
  });
}

/** A UTF-8 string as the latin1 bytes a raw socket writes (so non-ASCII headers go out as UTF-8). */
export const utf8Bytes = (text: string): string => Buffer.from(text, "utf8").toString("latin1");

/** The issuer and audience the platform's development tokens carry. */
export interface TokenSettings {
  issuer: string;
  authorizedParty: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** The development issuer's keys and claims, read from the platform's data folder. */
export function tokenSettings(platform: TestPlatform): TokenSettings {
  const keys = path.join(platform.dataDir, "keys");
  return {
    issuer: "https://dev-issuer.rampart.localhost",
    authorizedParty: `http://localhost:${new URL(platform.url).port}`,
    privateKeyPem: fs.readFileSync(path.join(keys, "dev-issuer-rsa.pem"), "utf8"),
    publicKeyPem: fs.readFileSync(path.join(keys, "dev-issuer-rsa.pub.pem"), "utf8"),
  };
}

const base64url = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Claims of a valid Clerk v2 session token; `overrides` set or (with undefined) remove claims. */
export function sessionClaims(
  settings: TokenSettings,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    v: 2,
    iss: settings.issuer,
    azp: settings.authorizedParty,
    sub: `user_attack_${randomBytes(4).toString("hex")}`,
    sid: `sess_attack_${randomBytes(8).toString("hex")}`,
    sts: "active",
    iat: now,
    nbf: now - 5,
    exp: now + 3600,
    jti: randomUUID(),
    fva: [0, -1],
    o: { id: "org_demo_acme", rol: "admin", slg: "acme" },
    ...overrides,
  };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return claims;
}

/** How a forged token is signed. */
export type Signer =
  | { kind: "issuer" }
  | { kind: "rsa-key"; privateKeyPem: string; hash?: string }
  | { kind: "hmac"; secret: string | Buffer; hash?: string }
  | { kind: "none" }
  | { kind: "raw"; signature: string };

/** Encodes and signs a JWT exactly as given: any header, any claims, any signer. */
export function forgeJwt(
  settings: TokenSettings,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signer: Signer = { kind: "issuer" },
): string {
  const input = `${base64url(header)}.${base64url(claims)}`;
  const data = Buffer.from(input);
  let signature: string;
  switch (signer.kind) {
    case "issuer":
      signature = signBytes("sha256", data, settings.privateKeyPem).toString("base64url");
      break;
    case "rsa-key":
      signature = signBytes(signer.hash ?? "sha256", data, signer.privateKeyPem).toString(
        "base64url",
      );
      break;
    case "hmac":
      signature = createHmac(signer.hash ?? "sha256", signer.secret)
        .update(input)
        .digest("base64url");
      break;
    case "none":
      signature = "";
      break;
    case "raw":
      signature = signer.signature;
      break;
  }
  return `${input}.${signature}`;
}

/** A valid RS256 session token from the platform's development issuer. */
export function validToken(
  settings: TokenSettings,
  overrides: Record<string, unknown> = {},
): string {
  return forgeJwt(
    settings,
    { alg: "RS256", typ: "JWT", kid: "ins_dev_rampart" },
    sessionClaims(settings, overrides),
  );
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
