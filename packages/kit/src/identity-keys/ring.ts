import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";

// The identity key ring: the Ed25519 keys the gateway signs identity assertions with besides
// its configured one (the anchor, GATEWAY_IDENTITY_PRIVATE_KEY / _PUBLIC_KEY), published in the
// shared stores so that every running gateway and subgraph picks a rotation up without a
// restart. See docs/architecture.md, "Rotating the identity key".

/** Key (in the shared key-value store) of the signed key ring. */
export const IDENTITY_KEY_RING_KEY = "identity:key-ring";

/** Channel announcing that the key ring changed; processes then re-read it. */
export const IDENTITY_KEY_RING_CHANNEL = "identity:key-ring:changed";

/** Domain separation of the ring's signature and of the sealing key. */
const RING_SIGNATURE_CONTEXT = "rampart.identity-key-ring.v1\u0000";
const SEALING_INFO = "rampart.identity-key-ring.seal.v1";

/**
 * The key id (`kid` header) of an Ed25519 key: the first 16 characters of the base64url
 * SHA-256 of its public key (SPKI DER). Derived, so the gateway and the subgraphs agree on the
 * configured key's id without being told.
 */
export function identityKeyId(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url")
    .slice(0, 16);
}

/** One rotated key as published: the public half for subgraphs, the sealed private half for gateways. */
export interface IdentityRingKey {
  /** {@link identityKeyId} of the key. */
  readonly kid: string;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
  /** The PKCS#8 private key sealed under the anchor ({@link sealIdentityPrivateKey}). */
  readonly sealedPrivateKey: string;
  /** Epoch ms from which gateways sign with it; subgraphs accept it from publication on. */
  readonly activeFrom: number;
  /** Epoch ms after which subgraphs refuse it; null while it is (or will be) the signer. */
  readonly retireAt: number | null;
}

/** The key ring: which rotated keys exist, and until when the anchor itself is accepted. */
export interface IdentityKeyRing {
  /** When it was written, epoch ms. */
  readonly issuedAt: number;
  /** {@link identityKeyId} of the anchor that signed it. */
  readonly anchorKid: string;
  /** Epoch ms after which subgraphs refuse assertions signed by the anchor; null: accepted. */
  readonly anchorAcceptedUntil: number | null;
  /** Rotated keys, oldest first. */
  readonly keys: readonly IdentityRingKey[];
}

interface StoredRing {
  /** The ring as JSON text: what the signature covers, byte for byte. */
  ring: string;
  /** Ed25519 signature by the anchor, base64url. */
  signature: string;
}

/** The stored text of `ring`, signed by the anchor's private key. */
export function serializeIdentityKeyRing(ring: IdentityKeyRing, anchor: KeyObject): string {
  const text = JSON.stringify({ version: 1, ...ring });
  const signature = sign(null, Buffer.from(RING_SIGNATURE_CONTEXT + text), anchor);
  return JSON.stringify({ ring: text, signature: signature.toString("base64url") });
}

const isNumberOrNull = (value: unknown): value is number | null =>
  value === null || (typeof value === "number" && Number.isFinite(value));

/**
 * The ring in stored `text`, when the anchor (`anchorPublicKey`) signed it. Throws when it is
 * not a ring, or is signed by another key: a ring written by someone with access to the stores
 * but not to the anchor is never believed.
 */
export function parseIdentityKeyRing(text: string, anchorPublicKey: KeyObject): IdentityKeyRing {
  const stored = JSON.parse(text) as Partial<StoredRing> | null;
  if (!stored || typeof stored.ring !== "string" || typeof stored.signature !== "string") {
    throw new Error("not an identity key ring");
  }
  const signed = verify(
    null,
    Buffer.from(RING_SIGNATURE_CONTEXT + stored.ring),
    anchorPublicKey,
    Buffer.from(stored.signature, "base64url"),
  );
  if (!signed) throw new Error("the identity key ring is not signed by the configured key");
  const ring = JSON.parse(stored.ring) as Record<string, unknown>;
  if (
    ring.version !== 1 ||
    ring.anchorKid !== identityKeyId(anchorPublicKey) ||
    typeof ring.issuedAt !== "number" ||
    !isNumberOrNull(ring.anchorAcceptedUntil) ||
    !Array.isArray(ring.keys)
  ) {
    throw new Error("not an identity key ring (version 1) of the configured key");
  }
  const keys = (ring.keys as Record<string, unknown>[]).map((key) => {
    if (
      typeof key?.kid !== "string" ||
      typeof key.publicKeyPem !== "string" ||
      typeof key.sealedPrivateKey !== "string" ||
      typeof key.activeFrom !== "number" ||
      !isNumberOrNull(key.retireAt)
    ) {
      throw new Error("an identity key ring entry has the wrong shape");
    }
    return {
      kid: key.kid,
      publicKeyPem: key.publicKeyPem,
      sealedPrivateKey: key.sealedPrivateKey,
      activeFrom: key.activeFrom,
      retireAt: key.retireAt,
    };
  });
  return {
    issuedAt: ring.issuedAt,
    anchorKid: ring.anchorKid,
    anchorAcceptedUntil: ring.anchorAcceptedUntil,
    keys,
  };
}

/** AES-256 key derived from the anchor's private key: only holders of the anchor unseal. */
function sealingKey(anchor: KeyObject): Buffer {
  const material = anchor.export({ type: "pkcs8", format: "der" });
  return Buffer.from(hkdfSync("sha256", material, Buffer.alloc(0), SEALING_INFO, 32));
}

/** Seals a rotated private key for the stores (AES-256-GCM, bound to its kid). */
export function sealIdentityPrivateKey(
  privateKey: KeyObject,
  kid: string,
  anchor: KeyObject,
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(anchor), iv);
  cipher.setAAD(Buffer.from(kid));
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
  return [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url")).join(".");
}

/** Opens what {@link sealIdentityPrivateKey} sealed; throws on any mismatch. */
export function openIdentityPrivateKey(sealed: string, kid: string, anchor: KeyObject): KeyObject {
  const [iv, tag, ciphertext] = sealed.split(".").map((part) => Buffer.from(part, "base64url"));
  if (!iv || !tag || !ciphertext) throw new Error("not a sealed identity key");
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(anchor), iv);
  decipher.setAAD(Buffer.from(kid));
  decipher.setAuthTag(tag);
  const der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}
