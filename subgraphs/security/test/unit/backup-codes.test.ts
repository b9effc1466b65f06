import {
  BACKUP_CODE_ALPHABET,
  BACKUP_CODE_LENGTH,
  generateBackupCodes,
  hashBackupCode,
  normalizeBackupCode,
  verifyBackupCode,
} from "../../src/modules/two-factor/backup-codes";

const FORMAT = new RegExp(
  `^[${BACKUP_CODE_ALPHABET}]{4}-[${BACKUP_CODE_ALPHABET}]{4}-[${BACKUP_CODE_ALPHABET}]{4}$`,
);

describe("generateBackupCodes", () => {
  it("makes 10 distinct codes in the xxxx-xxxx-xxxx format by default", () => {
    const codes = generateBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
  });

  it("carries at least 50 bits of entropy per code", () => {
    expect(BACKUP_CODE_LENGTH * Math.log2(BACKUP_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(50);
  });

  it("leaves out characters people confuse", () => {
    for (const ambiguous of ["0", "o", "1", "i", "l"]) {
      expect(BACKUP_CODE_ALPHABET).not.toContain(ambiguous);
    }
    expect(new Set(BACKUP_CODE_ALPHABET).size).toBe(BACKUP_CODE_ALPHABET.length);
  });

  it("uses every symbol of the alphabet", () => {
    const seen = new Set(generateBackupCodes(100).join("").replaceAll("-", ""));
    expect(seen.size).toBe(BACKUP_CODE_ALPHABET.length);
  });

  it("honours count and refuses nonsense counts", () => {
    expect(generateBackupCodes(3)).toHaveLength(3);
    for (const count of [0, -1, 1.5, 101, Number.NaN]) {
      expect(() => generateBackupCodes(count)).toThrow(RangeError);
    }
  });
});

describe("normalizeBackupCode", () => {
  const code = "k7ph-2xme-9tqa";

  it.each([
    code,
    "K7PH-2XME-9TQA",
    "k7ph2xme9tqa",
    " k7ph 2xme 9tqa ",
    "k7-ph-2x-me-9t-qa",
    "k7ph\t2xme\n9tqa",
    "K7pH--2xMe--9tQa",
  ])("accepts %p", (input) => {
    expect(normalizeBackupCode(input)).toBe(code);
  });

  it.each([
    ["empty", ""],
    ["too short", "k7ph-2xme-9tq"],
    ["too long", "k7ph-2xme-9tqaa"],
    ["ambiguous letter o", "k7ph-2xme-9toa"],
    ["digit 0", "k7ph-2xme-9t0a"],
    ["punctuation", "k7ph_2xme_9tqa"],
    ["a TOTP code", "123456"],
    ["non-ASCII", "k7ph-2xme-9tqä"],
    ["padded beyond the cap", `${" ".repeat(60)}k7ph-2xme-9tqa`],
    ["10 kB", "k".repeat(10_240)],
  ])("refuses %s", (_name, input) => {
    expect(normalizeBackupCode(input)).toBeNull();
  });

  it("refuses non-strings", () => {
    for (const value of [null, undefined, 123, ["k7ph-2xme-9tqa"]]) {
      expect(normalizeBackupCode(value)).toBeNull();
    }
  });
});

describe("hashBackupCode and verifyBackupCode", () => {
  it("stores scrypt$N$r$p$salt$hash and verifies the code in any accepted form", async () => {
    const [code] = generateBackupCodes(1);
    const stored = await hashBackupCode(code);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(code);
    expect(await verifyBackupCode(code, stored)).toBe(true);
    expect(await verifyBackupCode(code.toUpperCase().replaceAll("-", " "), stored)).toBe(true);
  });

  it("refuses another code", async () => {
    const [code, other] = generateBackupCodes(2);
    expect(await verifyBackupCode(other, await hashBackupCode(code))).toBe(false);
  });

  it("salts every hash differently", async () => {
    const [code] = generateBackupCodes(1);
    const [a, b] = await Promise.all([hashBackupCode(code), hashBackupCode(code)]);
    expect(a).not.toBe(b);
    expect(a.split("$")[4]).not.toBe(b.split("$")[4]);
    expect(await verifyBackupCode(code, a)).toBe(true);
    expect(await verifyBackupCode(code, b)).toBe(true);
  });

  it("refuses malformed input and malformed or tampered stored values without throwing", async () => {
    const [code] = generateBackupCodes(1);
    const stored = await hashBackupCode(code);
    const parts = stored.split("$");
    const tamperedHash = Buffer.from(parts[5], "base64url");
    tamperedHash[0] ^= 1;
    for (const bad of [
      "",
      "scrypt$16384$8$1",
      stored.replace("scrypt$", "bcrypt$"),
      [...parts.slice(0, 5), tamperedHash.toString("base64url")].join("$"),
      [parts[0], "16385", ...parts.slice(2)].join("$"), // N not a power of two
      [parts[0], String(1 << 24), ...parts.slice(2)].join("$"), // N beyond the cap
      [parts[0], parts[1], "0", ...parts.slice(3)].join("$"),
    ]) {
      expect(await verifyBackupCode(code, bad)).toBe(false);
    }
    expect(await verifyBackupCode("not a code", stored)).toBe(false);
    expect(await verifyBackupCode("1".repeat(10_240), stored)).toBe(false);
  });

  it("refuses to hash something that is not a backup code", async () => {
    await expect(hashBackupCode("hello")).rejects.toThrow(RangeError);
  });
});
