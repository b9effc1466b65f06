import fs from "node:fs";
import { Supergraph } from "@apollo/federation-internals";
import { buildSchema, printSchema } from "graphql";
import {
  apiSchemaPath,
  contractSupergraphPath,
  printApiSchema,
  supergraphPath,
} from "../../src/supergraph";

/** Every type and `Type.field` of a schema, for comparing what two schemas offer. */
function elementsOf(sdl: string): Set<string> {
  const schema = buildSchema(sdl);
  const elements = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    elements.add(type.name);
    if ("getFields" in type) {
      for (const field of Object.keys(type.getFields())) elements.add(`${type.name}.${field}`);
    }
  }
  return elements;
}

describe("committed API schemas (run npm run compose after a schema change)", () => {
  const profiles = [
    ["admin", supergraphPath],
    ["main", contractSupergraphPath],
  ] as const;

  it.each(profiles)("api.%s.graphql is the API schema of its supergraph", (profile, file) => {
    const committed = fs.readFileSync(apiSchemaPath(profile), "utf8");
    expect(committed).toBe(printApiSchema(fs.readFileSync(file, "utf8")));
    // And it is exactly what the gateway serves: the supergraph's API schema, printed by graphql.
    const served = Supergraph.build(fs.readFileSync(file, "utf8")).apiSchema().toGraphQLJSSchema();
    expect(printSchema(buildSchema(committed))).toBe(printSchema(served));
  });

  it.each(profiles)("api.%s.graphql names no join__ or link__ element", (profile) => {
    const committed = fs.readFileSync(apiSchemaPath(profile), "utf8");
    expect(committed).not.toMatch(/join__|link__|@link|@join|@inaccessible|@tag/);
  });

  it("the main API schema lacks every admin element and keeps the public ones", () => {
    const admin = elementsOf(fs.readFileSync(apiSchemaPath("admin"), "utf8"));
    const main = elementsOf(fs.readFileSync(apiSchemaPath("main"), "utf8"));
    for (const adminOnly of [
      "Query.ipAllowlistEntries",
      "Query.securityEvents",
      "Mutation.activateEmergencyLockdown",
      "Mutation.revokeAllSessions",
      "SecurityEventFilter",
      "Subscription",
    ]) {
      expect([adminOnly, admin.has(adminOnly)]).toEqual([adminOnly, true]);
      expect([adminOnly, main.has(adminOnly)]).toEqual([adminOnly, false]);
    }
    for (const shared of ["Query.me", "Mutation.verifyTwoFactor", "Query.orders"]) {
      expect([shared, main.has(shared)]).toEqual([shared, true]);
    }
    // Nothing in main is missing from admin: the contract only removes.
    expect([...main].filter((element) => !admin.has(element))).toEqual([]);
  });
});
