import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Far above any sealed secret (TOTP secrets, payment keys); refuses absurd input before decoding it. */
const MAX_SEALED_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

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

/** Binds the version and the caller's context (e.g. the owning user id) into the auth tag. */
function additionalData(associatedData: string): Buffer {
  return Buffer.from(`rampart.secret-box.${VERSION}\u0000${associatedData}`, "utf8");
}

/**
 * Encrypts small secrets at rest (TOTP secrets in security, payment secrets in commerce) with
 * AES-256-GCM: a random 12-byte IV per seal, the auth tag
 * checked on open. Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url; the version
 * prefix leaves room to rotate the algorithm or key later.
 */
export class SecretBox {
  readonly #key: Buffer;

  /** `key`: exactly 32 random bytes (AES-256). Anything else throws. */
  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new RangeError(`SecretBox needs a ${KEY_BYTES}-byte key.`);
    }
    this.#key = Buffer.from(key);
  }

  /**
   * Encrypts `plaintext`. `associatedData` (default "") is authenticated, not stored: `open`
   * must be given the same value, so a sealed value copied to another row does not open.
   */
  seal(plaintext: string, associatedData = ""): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, ...[iv, tag, ciphertext].map((part) => part.toString("base64url"))].join(".");
  }

  /** Decrypts what {@link seal} produced; throws {@link SecretBoxError} on any mismatch. */
  open(sealed: string, associatedData = ""): string {
    if (typeof sealed !== "string" || sealed.length > MAX_SEALED_LENGTH) throw new SecretBoxError();
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError();
    const [iv, tag, ciphertext] = parts.slice(1).map(decodeBase64Url);
    if (!iv || !tag || !ciphertext || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError();
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(associatedData));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data") adds nothing useful.
      throw new SecretBoxError();
    }
  }
}
