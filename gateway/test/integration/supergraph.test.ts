import fs from "node:fs";
import { composeSupergraph, readCommittedSdls, supergraphPath } from "../../src/supergraph";

describe("committed supergraph", () => {
  it("is the composition of the committed subgraph SDLs (run npm run compose after a schema change)", () => {
    expect(composeSupergraph(readCommittedSdls())).toBe(fs.readFileSync(supergraphPath, "utf8"));
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
