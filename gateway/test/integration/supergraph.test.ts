import fs from "node:fs";
import { Supergraph } from "@apollo/federation-internals";
import {
  composeSupergraph,
  contractSupergraphPath,
  readCommittedSdls,
  supergraphPath,
} from "../../src/supergraph";

/** Root and type fields of a supergraph's API schema, as `Type.field`. */
function apiFields(supergraphSdl: string): Set<string> {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const fields = new Set<string>();
  for (const type of Object.values(api.getTypeMap())) {
    if (type.name.startsWith("__") || !("getFields" in type)) continue;
    for (const field of Object.keys(type.getFields())) fields.add(`${type.name}.${field}`);
  }
  return fields;
}

describe("committed supergraphs (run npm run compose after a schema change)", () => {
  it("the full supergraph is the composition of the committed subgraph SDLs", () => {
    expect(composeSupergraph(readCommittedSdls())).toBe(fs.readFileSync(supergraphPath, "utf8"));
  });

  it("the main profile's contract is the composition without admin elements", () => {
    expect(composeSupergraph(readCommittedSdls(), { contract: true })).toBe(
      fs.readFileSync(contractSupergraphPath, "utf8"),
    );
  });

  it("the contract lacks every field tagged admin, and keeps the rest", () => {
    const full = apiFields(fs.readFileSync(supergraphPath, "utf8"));
    const contract = apiFields(fs.readFileSync(contractSupergraphPath, "utf8"));
    const adminFields = [...full].filter((field) => !contract.has(field));
    expect(adminFields).toEqual(
      expect.arrayContaining(["Mutation.revokeAllSessions", "Mutation.revokeUserSessions"]),
    );
    for (const sdl of Object.values(readCommittedSdls())) {
      for (const [, field] of sdl.matchAll(
        /^\s+(\w+)(?:\([^)]*\))?: [^\n]*@tag\(name: "admin"\)/gm,
      )) {
        expect([...contract].some((entry) => entry.endsWith(`.${field}`))).toBe(false);
      }
    }
    expect(contract.has("Mutation.verifyTwoFactor")).toBe(true);
    expect(contract.has("Query.orders")).toBe(true);
  });

  it("the contract does not even name the enums and inputs only admin fields use", () => {
    const typesOf = (file: string) =>
      new Set(
        Object.keys(
          Supergraph.build(fs.readFileSync(file, "utf8"))
            .apiSchema()
            .toGraphQLJSSchema()
            .getTypeMap(),
        ),
      );
    const full = typesOf(supergraphPath);
    const contract = typesOf(contractSupergraphPath);
    for (const adminOnly of [
      "SecurityEventFilter",
      "AlertStatus",
      "MetricsWindow",
      "HealthStatus",
    ]) {
      expect([adminOnly, full.has(adminOnly)]).toEqual([adminOnly, true]);
      expect([adminOnly, contract.has(adminOnly)]).toEqual([adminOnly, false]);
    }
    // Enums public fields use stay.
    expect(contract.has("OrderStatus")).toBe(true);
    expect(contract.has("Subscription")).toBe(false);
  });

  it("fails loudly when subgraphs do not compose", () => {
    const sdls = readCommittedSdls();
    // Two subgraphs owning the same non-shareable field cannot compose.
    const broken = {
      ...sdls,
      fulfillment: sdls.fulfillment.replace(
        "type Shipment",
        'type Organization @key(fields: "id") {\n  id: ID!\n  name: Int!\n}\n\ntype Shipment',
      ),
    };
    expect(() => composeSupergraph(broken)).toThrow(/composition failed/);
  });
});
