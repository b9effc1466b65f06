import { randomBytes } from "node:crypto";
import { SecretBox, SecretBoxError } from "../../src/secret-box";

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

  it("round-trips a secret in the v1 format", () => {
    const sealed = box.seal(SECRET);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed)).toBe(SECRET);
  });

  it("round-trips empty and non-ASCII text", () => {
    expect(box.open(box.seal(""))).toBe("");
    expect(box.open(box.seal("clé secrète ✓"))).toBe("clé secrète ✓");
  });

  it("uses a fresh IV for every seal", () => {
    const sealed = Array.from({ length: 200 }, () => box.seal(SECRET));
    const ivs = new Set(sealed.map((s) => s.split(".")[1]));
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
    ["IV", 1],
    ["tag", 2],
    ["ciphertext", 3],
  ])("refuses a tampered %s", (_name, part) => {
    expect(() => box.open(flipBit(box.seal(SECRET), part))).toThrow(SecretBoxError);
  });

  it("refuses malformed sealed strings", () => {
    const sealed = box.seal(SECRET);
    const [, iv, tag, ciphertext] = sealed.split(".");
    for (const bad of [
      "",
      "v1",
      `v2.${iv}.${tag}.${ciphertext}`,
      `v1.${iv}.${tag}`,
      `v1.${iv}.${tag}.${ciphertext}.extra`,
      `v1.${iv}A.${tag}.${ciphertext}`,
      `v1.${iv}.${tag.slice(0, -2)}.${ciphertext}`,
      `v1.${iv}.${tag}.${ciphertext}!`,
      `v1.${iv}.${tag}.${ciphertext.slice(0, -1)}`,
      `v1.${iv}.${tag}.${"A".repeat(20_000)}`,
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
});
