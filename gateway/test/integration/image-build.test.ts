import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { replayBuildStage } from "@rampart/kit/testing";

const root = path.resolve(__dirname, "..", "..", "..");

describe("gateway image (gateway/Dockerfile)", () => {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-image-"));
  afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));

  it("builds from exactly the folders its build stage copies", () => {
    const { runtimeCopies } = replayBuildStage({
      dockerfile: path.join(root, "gateway", "Dockerfile"),
      context: root,
      workdir,
    });
    expect(runtimeCopies).toEqual(["packages/kit/dist", "gateway/dist"]);
    for (const copied of runtimeCopies) {
      expect(fs.existsSync(path.join(workdir, copied))).toBe(true);
    }
    expect(fs.existsSync(path.join(workdir, "gateway", "dist", "main.js"))).toBe(true);
  }, 240_000);
});
