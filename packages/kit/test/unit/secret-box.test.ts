import { createCipheriv, randomBytes } from "node:crypto";
import { SecretBox, SecretBoxError, secretBoxKeyId } from "../../src/secret-box";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/** Flips one bit of one base64url part of a sealed string. */
function flipBit(sealed: string, partIndex: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[partIndex], "base64url");
  bytes[0] ^= 0x01;
  parts[partIndex] = bytes.toString("base64url");
  return parts.join(".");
}

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));

  it("round-trips a secret in the v2 format, naming its key", () => {
    const sealed = box.seal(SECRET);
    expect(sealed).toMatch(
      /^v2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/,
    );
    expect(sealed.split(".")[1]).toBe(box.sealingKeyId);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed)).toBe(SECRET);
  });

  it("round-trips empty and non-ASCII text", () => {
    expect(box.open(box.seal(""))).toBe("");
    expect(box.open(box.seal("clé secrète ✓"))).toBe("clé secrète ✓");
  });

  it("uses a fresh IV for every seal", () => {
    const sealed = Array.from({ length: 200 }, () => box.seal(SECRET));
    const ivs = new Set(sealed.map((s) => s.split(".")[2]));
    expect(ivs.size).toBe(200);
    expect(new Set(sealed).size).toBe(200);
  });

  it("refuses to open with another key", () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal(SECRET))).toThrow(SecretBoxError);
  });

  it("binds the associated data: a value sealed for one user does not open for another", () => {
    const sealed = box.seal(SECRET, "user_alice");
    expect(box.open(sealed, "user_alice")).toBe(SECRET);
    expect(() => box.open(sealed, "user_mallory")).toThrow(SecretBoxError);
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
  });

  it.each([
    ["IV", 2],
    ["tag", 3],
    ["ciphertext", 4],
  ])("refuses a tampered %s", (_name, part) => {
    expect(() => box.open(flipBit(box.seal(SECRET), part))).toThrow(SecretBoxError);
  });

  it("refuses malformed sealed strings", () => {
    const sealed = box.seal(SECRET);
    const [, kid, iv, tag, ciphertext] = sealed.split(".");
    for (const bad of [
      "",
      "v2",
      `v3.${kid}.${iv}.${tag}.${ciphertext}`,
      `v1.${kid}.${iv}.${tag}.${ciphertext}`,
      `v2.${iv}.${tag}.${ciphertext}`,
      `v2.${kid}.${iv}.${tag}`,
      `v2.${kid}.${iv}.${tag}.${ciphertext}.extra`,
      `v2.${kid}A.${iv}.${tag}.${ciphertext}`,
      `v2.${secretBoxKeyId(randomBytes(32))}.${iv}.${tag}.${ciphertext}`,
      `v2.${kid}.${iv}A.${tag}.${ciphertext}`,
      `v2.${kid}.${iv}.${tag.slice(0, -2)}.${ciphertext}`,
      `v2.${kid}.${iv}.${tag}.${ciphertext}!`,
      `v2.${kid}.${iv}.${tag}.${ciphertext.slice(0, -1)}`,
      `v2.${kid}.${iv}.${tag}.${"A".repeat(20_000)}`,
    ]) {
      expect(() => box.open(bad)).toThrow(SecretBoxError);
    }
  });

  it("never puts key or plaintext in its error", () => {
    const key = randomBytes(32);
    const sealed = new SecretBox(key).seal(SECRET);
    try {
      box.open(sealed);
      throw new Error("opened with the wrong key");
    } catch (error) {
      expect(error).toBeInstanceOf(SecretBoxError);
      const text = String((error as Error).message) + String((error as Error).stack);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(key.toString("hex"));
      expect(text).not.toContain(key.toString("base64"));
    }
  });

  it.each([
    ["16 bytes", randomBytes(16)],
    ["31 bytes", randomBytes(31)],
    ["33 bytes", randomBytes(33)],
    ["empty", Buffer.alloc(0)],
    ["a string", "0".repeat(32) as unknown as Buffer],
  ])("refuses a key of %s", (_name, key) => {
    expect(() => new SecretBox(key)).toThrow(RangeError);
  });

  it("keeps its own copy of the key", () => {
    const key = randomBytes(32);
    const own = new SecretBox(key);
    const sealed = own.seal(SECRET);
    key.fill(0);
    expect(own.open(sealed)).toBe(SECRET);
  });

  describe("key ring (rotation)", () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const ring = new SecretBox([newKey, oldKey]);

    /** A value sealed the way the v1 format did, before key ids. */
    function sealV1(key: Buffer, plaintext: string, associatedData = ""): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
      cipher.setAAD(Buffer.from(`rampart.secret-box.v1\u0000${associatedData}`, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [
        "v1",
        ...[iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString("base64url")),
      ].join(".");
    }

    it("seals with the first key and opens values sealed with any key of the ring", () => {
      const old = new SecretBox(oldKey).seal(SECRET, "user_a");
      expect(ring.isSealedWithCurrentKey(old)).toBe(false);
      expect(ring.open(old, "user_a")).toBe(SECRET);
      const resealed = ring.seal(SECRET, "user_a");
      expect(ring.isSealedWithCurrentKey(resealed)).toBe(true);
      expect(resealed.split(".")[1]).toBe(secretBoxKeyId(newKey));
      expect(new SecretBox(newKey).open(resealed, "user_a")).toBe(SECRET);
      expect(() => new SecretBox(oldKey).open(resealed, "user_a")).toThrow(SecretBoxError);
    });

    it("opens v1 values (no key id) under whichever key sealed them", () => {
      expect(ring.open(sealV1(oldKey, SECRET, "user_b"), "user_b")).toBe(SECRET);
      expect(ring.open(sealV1(newKey, SECRET, "user_b"), "user_b")).toBe(SECRET);
      expect(ring.isSealedWithCurrentKey(sealV1(newKey, SECRET))).toBe(false);
      expect(() => ring.open(sealV1(randomBytes(32), SECRET))).toThrow(SecretBoxError);
      expect(() => ring.open(sealV1(oldKey, SECRET, "user_b"), "user_c")).toThrow(SecretBoxError);
    });

    it("binds the key id: a value relabelled with another key's id does not open", () => {
      const sealed = new SecretBox(oldKey).seal(SECRET).split(".");
      sealed[1] = secretBoxKeyId(newKey);
      expect(() => ring.open(sealed.join("."))).toThrow(SecretBoxError);
    });

    it("refuses an empty ring or a ring with a key of the wrong size", () => {
      expect(() => new SecretBox([])).toThrow(RangeError);
      expect(() => new SecretBox([newKey, randomBytes(16)])).toThrow(RangeError);
    });
  });
});
