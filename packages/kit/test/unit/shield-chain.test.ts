import util from "node:util";
import { chain as shieldChain, rule, shield } from "graphql-shield";
import { buildSchema, graphql } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { chain } from "@rampart/kit/subgraph";

// graphql-shield 7.6.5 evaluates `chain` with `util.isUndefined`, which Node.js 23 removed: on
// Node 24 every chained rule threw. The kit's `chain` must work without it, on any Node.

const typeDefs = buildSchema(`type Query { open: String, closed: String }`);
const yes = rule({ cache: "no_cache" })(() => true);
const no = rule({ cache: "no_cache" })(() => new Error("refused by the second rule"));

async function answer(logic: typeof shieldChain) {
  const schema = applyMiddleware(
    typeDefs,
    shield(
      { Query: { open: logic(yes, yes), closed: logic(yes, no) } },
      { allowExternalErrors: true, fallbackError: (error) => error as Error },
    ),
  );
  const result = await graphql({
    schema,
    source: "{ open closed }",
    rootValue: { open: "ok", closed: "secret" },
  });
  return { data: result.data, errors: result.errors?.map((error) => error.message) };
}

describe("chain (the kit's graphql-shield chain)", () => {
  const legacy = Object.getOwnPropertyDescriptor(util, "isUndefined");
  // As on Node 23 and later, whatever Node runs this test.
  beforeAll(() => delete (util as { isUndefined?: unknown }).isUndefined);
  afterAll(() => legacy && Object.defineProperty(util, "isUndefined", legacy));

  it("passes when every rule passes, and refuses with the first refusal, without util.isUndefined", async () => {
    expect(await answer(chain)).toEqual({
      data: { open: "ok", closed: null },
      errors: ["refused by the second rule"],
    });
  });

  it("is needed: graphql-shield's own chain throws there", async () => {
    const { errors } = await answer(shieldChain);
    expect(errors?.some((message) => message.includes("isUndefined"))).toBe(true);
  });
});
