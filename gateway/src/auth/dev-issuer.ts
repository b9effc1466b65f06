import { randomUUID } from "node:crypto";
import { signJwt } from "@clerk/backend/jwt";

/** What a development token asserts. */
export interface DevTokenClaims {
  /** Clerk-style user id. */
  userId: string;
  /** Active organization id; omitted for a user with no organization. */
  organizationId?: string;
  /** Organization slug. */
  organizationSlug?: string;
  /** Role without the `org:` prefix, as in v2 claims (`admin`, `member`). */
  role?: string;
  /** Permissions as `org:<feature>:<permission>`. */
  permissions?: readonly string[];
  /** Session id. Default: a fresh `sess_dev_...`. */
  sessionId?: string;
  /** Lifetime in seconds. Default 3600. */
  ttlSeconds?: number;
  /** Session status (`sts`). Default `active`. */
  status?: string;
}

/** Where and for whom the development issuer signs. */
export interface DevIssuerOptions {
  /** PKCS#8 PEM RSA private key. */
  privateKeyPem: string;
  /** `iss` claim. */
  issuer: string;
  /** `azp` claim. */
  authorizedParty: string;
}

/**
 * Encodes permissions the way Clerk's v2 tokens do: features in `fea` (`o:<feature>`), the
 * distinct permission names in `o.per`, and per feature a bitmap over them in `o.fpm`.
 */
function encodePermissions(permissions: readonly string[]) {
  const parsed = permissions.map((p) => {
    const [, feature, name] = /^org:([^:]+):([^:]+)$/.exec(p) ?? [];
    if (!feature || !name) throw new Error(`permission ${p} is not org:<feature>:<permission>`);
    return { feature, name };
  });
  const features = [...new Set(parsed.map((p) => p.feature))];
  const names = [...new Set(parsed.map((p) => p.name))];
  const bitmaps = features.map((feature) =>
    names.reduce(
      (bits, name, index) =>
        parsed.some((p) => p.feature === feature && p.name === name) ? bits | (1 << index) : bits,
      0,
    ),
  );
  return {
    fea: features.map((f) => `o:${f}`).join(","),
    per: names.join(","),
    fpm: bitmaps.join(","),
  };
}

/** Signs an RS256 session token in Clerk's v2 format, for local development only. */
export async function issueDevToken(
  claims: DevTokenClaims,
  options: DevIssuerOptions,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const permissions = claims.permissions?.length
    ? encodePermissions(claims.permissions)
    : undefined;
  const payload: Record<string, unknown> = {
    v: 2,
    iss: options.issuer,
    azp: options.authorizedParty,
    sub: claims.userId,
    sid: claims.sessionId ?? `sess_dev_${randomUUID().replace(/-/g, "")}`,
    sts: claims.status ?? "active",
    iat: now,
    nbf: now - 5,
    exp: now + (claims.ttlSeconds ?? 3600),
    jti: randomUUID(),
    fva: [0, -1],
  };
  if (claims.organizationId) {
    payload.o = {
      id: claims.organizationId,
      rol: claims.role ?? "member",
      slg: claims.organizationSlug ?? claims.organizationId,
      ...(permissions ? { per: permissions.per, fpm: permissions.fpm } : {}),
    };
    if (permissions) payload.fea = permissions.fea;
  }
  return signJwt(payload, options.privateKeyPem, {
    algorithm: "RS256",
    header: { kid: "ins_dev_rampart" },
  });
}
