import { LONG_TEXT, REDACTED, redactedDiff } from "../../src/modules/audit/audit.diff";

describe("redactedDiff", () => {
  it("lists only the fields that changed, with their before and after values", () => {
    expect(
      redactedDiff(
        { temperature: 0.4, channels: ["WEB_CHAT"], model: "a" },
        { temperature: 1.2, channels: ["WEB_CHAT"], model: "a" },
      ),
    ).toEqual([{ field: "temperature", before: 0.4, after: 1.2 }]);
  });

  it("shows a creation and a deletion against null", () => {
    expect(redactedDiff(null, { a: 1 })).toEqual([{ field: "a", before: null, after: 1 }]);
    expect(redactedDiff({ a: 1 }, null)).toEqual([{ field: "a", before: 1, after: null }]);
  });

  it("records that a secret or personal field changed, never its value", () => {
    const changes = redactedDiff(
      { secretKey: "v1.old", legalName: "Jane Doe", currency: "EUR" },
      { secretKey: "v1.new", legalName: "John Roe", currency: "EUR" },
      { secret: ["secretKey"], personal: ["legalName"] },
    );
    expect(changes).toEqual([
      { field: "secretKey", before: REDACTED, after: REDACTED },
      { field: "legalName", before: REDACTED, after: REDACTED },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/old|new|Jane|John/);
  });

  it("summarizes long text by its length and a digest", () => {
    const long = "x".repeat(LONG_TEXT + 1);
    const [change] = redactedDiff({ systemPrompt: "" }, { systemPrompt: long });
    expect(change).toEqual({
      field: "systemPrompt",
      before: "",
      after: { length: LONG_TEXT + 1, sha256: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
  });

  it("finds no change when nothing differs", () => {
    expect(redactedDiff({ a: { b: [1] } }, { a: { b: [1] } })).toEqual([]);
  });
});
