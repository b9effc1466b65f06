import type { GraphQLSchema } from "graphql";
import { tagAdminOnlySubscriptionType } from "../../src/subgraph/federation";

const federated = (sdl: string) => ({ schema: {} as GraphQLSchema, sdl });
const admin = '@tag(name: "admin")';

describe("tagAdminOnlySubscriptionType", () => {
  it("tags the Subscription type when every field is tagged admin", () => {
    const sdl = `type Query {\n  a: Int\n}\n\ntype Subscription {\n  b: Int ${admin}\n  c(x: ID): Int! ${admin}\n}\n`;
    expect(tagAdminOnlySubscriptionType(federated(sdl)).sdl).toBe(
      sdl.replace("type Subscription {", `type Subscription ${admin} {`),
    );
  });

  it.each([
    ["a field without the tag", `type Subscription {\n  b: Int ${admin}\n  open: Int\n}\n`],
    ["another tag", `type Subscription {\n  b: Int @tag(name: "internal")\n}\n`],
    ["no Subscription type", `type Query {\n  a: Int ${admin}\n}\n`],
    ["a type tagged already", `type Subscription ${admin} {\n  b: Int ${admin}\n}\n`],
  ])("leaves the SDL as it is with %s", (_name, sdl) => {
    expect(tagAdminOnlySubscriptionType(federated(sdl)).sdl).toBe(sdl);
  });
});
