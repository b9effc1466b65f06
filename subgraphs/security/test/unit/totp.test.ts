import {
  generateTotpSecret,
  isWellFormedCode,
  totpUri,
  verifyTotp,
} from "../../src/modules/two-factor/totp";

/** RFC 6238 Appendix B: ASCII "12345678901234567890" in base32. */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/** Appendix B SHA-1 rows: Unix time (s) and the 8-digit TOTP. */
const RFC_VECTORS: ReadonlyArray<[seconds: number, eightDigits: string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

const stepOf = (seconds: number) => Math.floor(seconds / 30);

describe("verifyTotp against RFC 6238 Appendix B (SHA-1)", () => {
  it.each(RFC_VECTORS)("accepts the code for T = %i and returns its time step", (t, code8) => {
    expect(verifyTotp(RFC_SECRET, code8.slice(-6), t * 1000)).toBe(stepOf(t));
  });

  it.each(RFC_VECTORS)("refuses T = %i's code with one digit changed", (t, code8) => {
    const code = code8.slice(-6);
    const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
    expect(verifyTotp(RFC_SECRET, wrong, t * 1000)).toBeNull();
  });

  it("refuses the full 8-digit code (only 6 digits are issued)", () => {
    expect(verifyTotp(RFC_SECRET, "94287082", 59_000)).toBeNull();
  });
});

describe("verifyTotp tolerance", () => {
  // 1234567890 s is 0 s into step 41152263 (1234567890 / 30 = 41152263 exactly).
  const t = 1234567890;
  const code = "005924";
  const step = stepOf(t);

  it("accepts a code one step old and one step early, reporting the code's own step", () => {
    expect(verifyTotp(RFC_SECRET, code, (t + 30) * 1000)).toBe(step);
    expect(verifyTotp(RFC_SECRET, code, (t + 59) * 1000)).toBe(step);
    expect(verifyTotp(RFC_SECRET, code, (t - 30) * 1000)).toBe(step);
    expect(verifyTotp(RFC_SECRET, code, (t - 1) * 1000)).toBe(step);
  });

  it("refuses a code two steps away on either side", () => {
    expect(verifyTotp(RFC_SECRET, code, (t + 60) * 1000)).toBeNull();
    expect(verifyTotp(RFC_SECRET, code, (t + 89) * 1000)).toBeNull();
    expect(verifyTotp(RFC_SECRET, code, (t - 31) * 1000)).toBeNull();
    expect(verifyTotp(RFC_SECRET, code, (t - 60) * 1000)).toBeNull();
  });

  it("takes now in milliseconds", () => {
    expect(verifyTotp(RFC_SECRET, code, t * 1000 + 999)).toBe(step);
    expect(verifyTotp(RFC_SECRET, code, (t + 60) * 1000 - 1)).toBe(step);
    expect(verifyTotp(RFC_SECRET, code, (t + 60) * 1000)).toBeNull();
  });

  it("returns null for a secret it cannot decode instead of throwing", () => {
    expect(verifyTotp("not base32 !!", code, t * 1000)).toBeNull();
  });
});

describe("isWellFormedCode", () => {
  it.each(["000000", "123456", "999999"])("accepts %p", (code) => {
    expect(isWellFormedCode(code)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["letters", "12a456"],
    ["all letters", "abcdef"],
    ["inner space", "123 456"],
    ["leading space", " 123456"],
    ["trailing newline", "123456\n"],
    ["sign", "+12345"],
    ["decimal point", "12345."],
    ["non-ASCII digits", "١٢٣٤٥٦"],
    ["full-width digits", "１２３４５６"],
    ["10 kB", "1".repeat(10_240)],
  ])("refuses %s", (_name, code) => {
    expect(isWellFormedCode(code)).toBe(false);
    expect(verifyTotp(RFC_SECRET, code, 59_000)).toBeNull();
  });

  it("refuses non-strings", () => {
    for (const value of [123456, null, undefined, ["123456"], { code: "123456" }]) {
      expect(isWellFormedCode(value)).toBe(false);
      expect(verifyTotp(RFC_SECRET, value as unknown as string, 59_000)).toBeNull();
    }
  });
});

describe("generateTotpSecret and totpUri", () => {
  it("makes 20-byte base32 secrets, different each time", () => {
    const secrets = new Set(Array.from({ length: 50 }, generateTotpSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it("builds an otpauth URI with issuer, account, SHA-1, 6 digits and 30 s", () => {
    const secret = generateTotpSecret();
    const uri = new URL(totpUri({ secret, accountName: "alice@acme.example", issuer: "Rampart" }));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Rampart:alice@acme.example");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("Rampart");
    for (const [name, value] of [
      ["algorithm", "SHA1"],
      ["digits", "6"],
      ["period", "30"],
    ]) {
      const actual = uri.searchParams.get(name);
      // Defaults may be left out of the URI; if present they must say the right thing.
      if (actual !== null) expect(actual).toBe(value);
    }
  });
});
