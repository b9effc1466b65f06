import { parse, subscribe, type ExecutionResult } from "graphql";
import {
  Arg,
  Field,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { buildFederatedSchema } from "../../src/subgraph/federation";

@ObjectType("Tick")
class Tick {
  @Field(() => Number)
  n!: number;

  @Field(() => String)
  label!: string;
}

/** Whether the subscription's own iterator was closed, and with which argument it started. */
const seen = { returned: false, from: -1 };

/** Yields `from`, `from + 1`, ... until closed, recording the close. */
function ticks(from: number): AsyncIterableIterator<{ n: number }> {
  let n = from;
  seen.from = from;
  seen.returned = false;
  return {
    next: () => Promise.resolve({ done: false, value: { n: n++ } }),
    return: () => {
      seen.returned = true;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

@Resolver()
class TickResolver {
  @Query(() => Boolean)
  ready(): boolean {
    return true;
  }

  @Subscription(() => Tick, {
    subscribe: ({ args }: SubscribeResolverData) => ticks((args as { from: number }).from),
  })
  ticks(@Root() payload: { n: number }, @Arg("from", () => Number) _from: number): Tick {
    // Proves `resolve` ran on each payload: the iterator yields no label.
    return { n: payload.n, label: `tick ${payload.n}` };
  }
}

describe("buildFederatedSchema with a subscription", () => {
  it("builds without a pubSub and keeps the field's own subscribe and resolve", async () => {
    const { schema, sdl } = await buildFederatedSchema({ resolvers: [TickResolver] });
    expect(sdl).toMatch(/type Subscription \{\s+ticks\(from: Float!\): Tick!\s+\}/);
    const field = schema.getSubscriptionType()?.getFields().ticks;
    expect(typeof field?.subscribe).toBe("function");
    expect(typeof field?.resolve).toBe("function");

    const result = await subscribe({
      schema,
      document: parse("subscription { ticks(from: 7) { n label } }"),
    });
    if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result));
    const iterator = result as AsyncGenerator<ExecutionResult>;
    expect((await iterator.next()).value).toEqual({ data: { ticks: { n: 7, label: "tick 7" } } });
    expect((await iterator.next()).value).toEqual({ data: { ticks: { n: 8, label: "tick 8" } } });
    expect(seen).toEqual({ returned: false, from: 7 });
    await iterator.return?.(undefined);
    expect(seen.returned).toBe(true);
  });
});
