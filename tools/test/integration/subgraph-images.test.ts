import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { replayBuildStage } from "@rampart/kit/testing";

const root = path.resolve(__dirname, "..", "..", "..");

/** Each subgraph's image: what its runtime stage takes from the build stage, and what it runs. */
const images = ["security", "commerce", "notifications", "fulfillment"].map((name) => ({
  name,
  dockerfile: `subgraphs/${name}/Dockerfile`,
  runtimeCopies: ["packages/kit/dist", `subgraphs/${name}/dist`],
  main: `subgraphs/${name}/dist/main.js`,
}));

describe.each(images)("$name subgraph image ($dockerfile)", (image) => {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), `rampart-image-${image.name}-`));
  afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));

  it("builds from exactly the folders its build stage copies", () => {
    const { runtimeCopies, command } = replayBuildStage({
      dockerfile: path.join(root, image.dockerfile),
      context: root,
      workdir,
    });
    expect(runtimeCopies).toEqual(image.runtimeCopies);
    for (const copied of runtimeCopies) {
      expect(fs.existsSync(path.join(workdir, copied))).toBe(true);
    }
    expect(command).toEqual(["node", image.main]);
    expect(fs.existsSync(path.join(workdir, image.main))).toBe(true);
  }, 240_000);
});
