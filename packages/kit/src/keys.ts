import {
  randomBytes,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** A key pair read from or written to PEM files. */
export interface PemKeyPair {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
}

/** Which development key pair: the gateway's identity signer or the local token issuer. */
export type DevKeyName = "identity-ed25519" | "dev-issuer-rsa";

/**
 * Returns the development key pair stored under `<dataDir>/keys`, generating it on first use.
 * Concurrent callers (several processes starting at once) end up with the same pair:
 * the first writer wins, the others read what it wrote. Never used in production.
 */
export function loadOrCreateDevKeyPair(dataDir: string, name: DevKeyName): PemKeyPair {
  const dir = path.join(dataDir, "keys");
  const privatePath = path.join(dir, `${name}.pem`);
  const publicPath = path.join(dir, `${name}.pub.pem`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(privatePath)) {
    const pair =
      name === "identity-ed25519"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
    const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const temporary = `${privatePath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, privatePem, { mode: 0o600 });
    try {
      // link() fails if another process got there first; its key is then the one kept.
      fs.linkSync(temporary, privatePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  const privateKeyPem = fs.readFileSync(privatePath, "utf8");
  const publicKeyPem = createPublicKey(privateKeyPem)
    .export({ type: "spki", format: "pem" })
    .toString();
  if (!fs.existsSync(publicPath)) fs.writeFileSync(publicPath, publicKeyPem, { mode: 0o644 });
  return { privateKeyPem, publicKeyPem };
}

/** Parses a PEM private key. */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** Parses a PEM public key. */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

/**
 * The development secret `name` stored under `<dataDir>/keys`, or null when none was generated
 * there. Never creates one: production configuration reads it only to refuse a copy of it.
 */
export function readDevSecret(dataDir: string, name: string): Buffer | null {
  const file = path.join(dataDir, "keys", `${name}.key`);
  return fs.existsSync(file) ? Buffer.from(fs.readFileSync(file, "utf8"), "base64") : null;
}

/**
 * Returns a random development secret of `bytes` bytes stored under `<dataDir>/keys`,
 * generating it on first use (same first-writer-wins rule as the key pairs). Never used in
 * production.
 */
export function loadOrCreateDevSecret(dataDir: string, name: string, bytes = 32): Buffer {
  const dir = path.join(dataDir, "keys");
  const file = path.join(dir, `${name}.key`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, randomBytes(bytes).toString("base64"), { mode: 0o600 });
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  return Buffer.from(fs.readFileSync(file, "utf8"), "base64");
}
