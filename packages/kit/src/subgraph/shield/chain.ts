import { chain as shieldChain } from "graphql-shield";

/** A rule graphql-shield accepts in a chain. */
type ShieldRule = Parameters<typeof shieldChain>[number];

/**
 * graphql-shield's `chain(...rules)`: the rules in order, stopping at the first that does not
 * pass, whose refusal is the result. graphql-shield 7.6.5 (its last release) evaluates a chain
 * with `util.isUndefined`, which Node.js removed in version 23, so on Node 24 every chained rule
 * throws and its field answers INTERNAL_SERVER_ERROR (maticzav/graphql-shield#1561). This is the
 * same rule object with the same evaluation, written without that call.
 */
export function chain(...rules: ShieldRule[]): ReturnType<typeof shieldChain> {
  const logic = shieldChain(...rules);
  logic.evaluate = async (parent, args, context, info, options) => {
    const passed: true[] = [];
    for (const rule of logic.getRules()) {
      const result = await rule.resolve(parent, args, context, info, options);
      if (result !== true) return [result];
      passed.push(result);
    }
    return passed;
  };
  return logic;
}
