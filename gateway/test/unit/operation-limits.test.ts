import { ConfigError, RampartError } from "@rampart/kit";
import { createOperationLimits, OperationLimitError } from "../../src/perimeter/operation-limits";
import { isWellFormedUtf8, nestsDeeperThan } from "../../src/perimeter/operation-limits/json-text";
import { parseMediaType } from "../../src/perimeter/operation-limits/media-type";

const onRefusal = () => undefined;

describe("createOperationLimits", () => {
  it("builds with graphql-armor's defaults: four rules, the token cap, four plugins", () => {
    const limits = createOperationLimits({ onRefusal });
    expect(limits.validationRules).toHaveLength(4);
    expect(limits.parseOptions).toEqual({ maxTokens: 1000 });
    expect(limits.apolloPlugins).toHaveLength(4);
    expect(limits.maxBodyBytes).toBe(102_400);
    expect(limits.executionSignal({})).toBeUndefined();
  });

  it.each([
    "maxDepth",
    "maxAliases",
    "maxTokens",
    "maxBodyBytes",
    "maxJsonDepth",
    "executionTimeoutMs",
  ])("refuses a %s that is not a whole number >= 1, naming it", (name) => {
    const create = () => createOperationLimits({ onRefusal, [name]: 0 });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(new RegExp(`${name}: must be a whole number >= 1, not 0`));
  });
});

describe("OperationLimitError", () => {
  it("carries its code and HTTP status in extensions", () => {
    const error = OperationLimitError.requestTooLarge(100);
    expect(error.extensions).toEqual({ code: "REQUEST_TOO_LARGE", http: { status: 413 } });
    expect(OperationLimitError.introspectionDisabled().extensions).toEqual({
      code: "INTROSPECTION_DISABLED",
      http: { status: 400 },
    });
  });

  it("is a RampartError, so formatError lets its code through", () => {
    expect(OperationLimitError.batchingDisabled()).toBeInstanceOf(RampartError);
  });
});

describe("parseMediaType", () => {
  it("reads the essence and parameters, names in lower case, quotes removed", () => {
    const parsed = parseMediaType('Application/JSON ; Charset="utf-8";foo=bar;');
    expect(parsed?.essence).toBe("application/json");
    expect([...(parsed?.parameters ?? [])]).toEqual([
      ["charset", "utf-8"],
      ["foo", "bar"],
    ]);
  });

  it.each([
    "application/json; charset=utf-8; charset=utf-16le",
    "application/json; charset=utf-8; CHARSET=utf-8",
    "application/json, text/plain",
    "application/json; charset",
    'application/json; charset="utf-8',
    "json",
    "",
  ])("refuses %j: ambiguous or not a media type", (header) => {
    expect(parseMediaType(header)).toBeUndefined();
  });
});

describe("JSON text checks", () => {
  it("counts nesting outside strings only", () => {
    const bytes = (text: string) => Buffer.from(text);
    expect(nestsDeeperThan(bytes('{"a":[{"b":1}]}'), 3)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":[{"b":[1]}]}'), 3)).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":"[[[[[["}'), 1)).toBe(false);
    // An escaped backslash ends before the quote: the brackets after the string count.
    expect(nestsDeeperThan(bytes('{"a":"\\\\","b":[[1]]}'), 2)).toBe(true);
    // An escaped quote does not end the string.
    expect(nestsDeeperThan(bytes('{"a":"\\"[[[["}'), 1)).toBe(false);
    expect(nestsDeeperThan(bytes("[".repeat(10_000)), 32)).toBe(true);
  });

  it("accepts well-formed UTF-8 only", () => {
    expect(isWellFormedUtf8(Buffer.from("é ✓ 🛡"))).toBe(true);
    expect(isWellFormedUtf8(Buffer.from([0x7b, 0xff, 0x7d]))).toBe(false);
    // An overlong "/" and a UTF-16 surrogate written as UTF-8.
    expect(isWellFormedUtf8(Buffer.from([0xc0, 0xaf]))).toBe(false);
    expect(isWellFormedUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(false);
  });
});
