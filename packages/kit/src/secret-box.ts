import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** Sealed with a key named by its id (`v2.<kid>.<iv>.<tag>.<ciphertext>`): what `seal` writes. */
const VERSION = "v2";
/** Sealed before key ids (`v1.<iv>.<tag>.<ciphertext>`): opened with each key of the ring. */
const LEGACY_VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far above any sealed TOTP secret; refuses absurd input before decoding it. */
const MAX_SEALED_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const KEY_ID = /^[A-Za-z0-9_-]{11}$/;

/**
 * A sealed value could not be opened: wrong key, wrong associated data, tampering or a
 * malformed string. The message never says which, and never carries key or plaintext.
 */
export class SecretBoxError extends Error {
  constructor() {
    super("The sealed value could not be opened.");
    this.name = "SecretBoxError";
  }
}

/** Strict base64url decoding: Buffer.from silently skips characters it does not know. */
function decodeBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}

/**
 * The id of an encryption key, stored with every value sealed under it: 8 bytes of a SHA-256
 * of the key under a label of its own (base64url, 11 characters). It names the key without
 * revealing anything usable about it.
 */
export function secretBoxKeyId(key: Buffer): string {
  return createHash("sha256")
    .update("rampart.secret-box.key-id\u0000")
    .update(key)
    .digest()
    .subarray(0, 8)
    .toString("base64url");
}

/** Binds the format (and key id) and the caller's context (e.g. the owning user id) into the tag. */
function additionalData(associatedData: string, kid: string | null): Buffer {
  const head = kid === null ? `rampart.secret-box.v1` : `rampart.secret-box.v2\u0000${kid}`;
  return Buffer.from(`${head}\u0000${associatedData}`, "utf8");
}

/**
 * Encrypts small secrets at rest with AES-256-GCM: a random 12-byte IV per seal, the auth tag
 * checked on open. Holds a key ring: the first key seals, every key opens, so that values
 * sealed under an older key stay readable while they are re-sealed under the new one
 * (`rampart keys rotate totp`). Sealed form: `v2.<kid>.<iv>.<tag>.<ciphertext>`, each part
 * base64url; the `v1` form from before key ids (no kid) is still opened.
 */
export class SecretBox {
  readonly #sealingKid: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /**
   * `keys`: one key, or the ring with the sealing key first; each exactly 32 random bytes
   * (AES-256). Anything else throws.
   */
  constructor(keys: Buffer | readonly Buffer[]) {
    const ring = Buffer.isBuffer(keys) ? [keys] : keys;
    if (
      !Array.isArray(ring) ||
      ring.length === 0 ||
      ring.some((key) => !Buffer.isBuffer(key) || key.length !== KEY_BYTES)
    ) {
      throw new RangeError(`SecretBox needs ${KEY_BYTES}-byte keys.`);
    }
    this.#keys = new Map(ring.map((key) => [secretBoxKeyId(key), Buffer.from(key)]));
    this.#sealingKid = secretBoxKeyId(ring[0]);
  }

  /** The id of the key {@link seal} uses. */
  get sealingKeyId(): string {
    return this.#sealingKid;
  }

  /** Whether `sealed` is already sealed under the sealing key (nothing to re-seal). */
  isSealedWithCurrentKey(sealed: string): boolean {
    return sealed.startsWith(`${VERSION}.${this.#sealingKid}.`);
  }

  /**
   * Encrypts `plaintext` under the sealing key. `associatedData` (default "") is authenticated,
   * not stored: `open` must be given the same value, so a sealed value copied to another row
   * does not open.
   */
  seal(plaintext: string, associatedData = ""): string {
    const kid = this.#sealingKid;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(kid) as Buffer, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(additionalData(associatedData, kid));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, kid, ...[iv, tag, ciphertext].map((part) => part.toString("base64url"))].join(
      ".",
    );
  }

  /** Decrypts what {@link seal} produced, under any key of the ring; throws {@link SecretBoxError} on any mismatch. */
  open(sealed: string, associatedData = ""): string {
    if (typeof sealed !== "string" || sealed.length > MAX_SEALED_LENGTH) throw new SecretBoxError();
    const parts = sealed.split(".");
    let kid: string | null;
    let encoded: string[];
    if (parts.length === 5 && parts[0] === VERSION && KEY_ID.test(parts[1])) {
      kid = parts[1];
      encoded = parts.slice(2);
    } else if (parts.length === 4 && parts[0] === LEGACY_VERSION) {
      kid = null;
      encoded = parts.slice(1);
    } else {
      throw new SecretBoxError();
    }
    const [iv, tag, ciphertext] = encoded.map(decodeBase64Url);
    if (!iv || !tag || !ciphertext || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError();
    }
    // A v2 value names its key; a v1 value is tried under each (the GCM tag tells).
    const candidates = kid === null ? [...this.#keys.values()] : [this.#keys.get(kid)];
    for (const key of candidates) {
      if (!key) continue;
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(associatedData, kid));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        // Node's message ("Unsupported state or unable to authenticate data") adds nothing.
      }
    }
    throw new SecretBoxError();
  }
}
