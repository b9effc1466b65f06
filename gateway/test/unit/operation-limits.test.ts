import { ConfigError } from "@rampart/kit";
import { GraphQLError } from "graphql";
import {
  createOperationLimits,
  OperationLimitCode,
  OperationLimitError,
  operationLimitCodes,
} from "../../src/plugins/operation-limits";

const onRefusal = () => undefined;

describe("createOperationLimits", () => {
  it("builds with graphql-armor's defaults: four rules, the token cap, three plugins", () => {
    const limits = createOperationLimits({ onRefusal });
    expect(limits.validationRules).toHaveLength(4);
    expect(limits.parseOptions).toEqual({ maxTokens: 1000 });
    expect(limits.apolloPlugins).toHaveLength(3);
    expect(limits.executionSignal({})).toBeUndefined();
  });

  it.each(["maxDepth", "maxAliases", "maxTokens", "maxBodyBytes", "executionTimeoutMs"])(
    "refuses a %s that is not a whole number >= 1, naming it",
    (name) => {
      const create = () => createOperationLimits({ onRefusal, [name]: 0 });
      expect(create).toThrow(ConfigError);
      expect(create).toThrow(new RegExp(`${name}: must be a whole number >= 1, not 0`));
    },
  );
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

  it("lists every code for formatError", () => {
    expect([...operationLimitCodes].sort()).toEqual(Object.values(OperationLimitCode).sort());
    expect(operationLimitCodes.has(new GraphQLError("x").extensions.code as string)).toBe(false);
  });
});
