import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  developmentFilesIn,
  developmentPackagesIn,
  inspectRuntimeStage,
  installRuntimeDependencies,
  replayBuildStage,
} from "@rampart/kit/testing";
import { serviceImages } from "../../src/dockerfiles";

// Each service image, checked without a Docker engine: its build stage replayed (the files it
// copies, `tsc -b` in that context, the admin UI's Vite build for the gateway), its production
// install run for real (`npm ci --omit=dev --workspace ...` from the npm cache), and its runtime
// stage inspected (base image, user, health check, volume, what it copies).

const root = path.resolve(__dirname, "..", "..", "..");

describe.each(serviceImages(root))("$service image ($folder/Dockerfile)", (image) => {
  const dockerfile = path.join(root, image.folder, "Dockerfile");
  const temporary: string[] = [];
  const folder = (purpose: string) => {
    const created = fs.mkdtempSync(
      path.join(os.tmpdir(), `rampart-image-${image.service}-${purpose}-`),
    );
    temporary.push(created);
    return created;
  };
  afterAll(() => {
    for (const created of temporary) fs.rmSync(created, { recursive: true, force: true });
  });

  it("builds from exactly the folders its build stage copies, and copies no test or bench code into the runtime stage", () => {
    const workdir = folder("build");
    const { runtimeCopies, command } = replayBuildStage({ dockerfile, context: root, workdir });
    expect(runtimeCopies).toEqual([
      "packages/kit/dist",
      `${image.folder}/dist`,
      ...(image.gateway ? ["admin-ui/dist"] : []),
    ]);
    for (const copied of runtimeCopies) {
      expect(fs.existsSync(path.join(workdir, copied))).toBe(true);
    }
    expect(command).toEqual(["node", `${image.folder}/dist/main.js`]);
    expect(fs.existsSync(path.join(workdir, image.folder, "dist", "main.js"))).toBe(true);
    if (image.gateway) {
      // The dashboard at `/` and the playground at `/graphiql/`, as the admin profile serves them.
      expect(fs.existsSync(path.join(workdir, "admin-ui", "dist", "app", "index.html"))).toBe(true);
      expect(fs.existsSync(path.join(workdir, "admin-ui", "dist", "graphiql", "index.html"))).toBe(
        true,
      );
    }
    expect(developmentFilesIn(workdir, runtimeCopies)).toEqual([]);
  }, 300_000);

  it("installs only its workspace's production dependencies: no dev-only packages", () => {
    const workdir = folder("install");
    const { command, packages, workspaceLinks } = installRuntimeDependencies({
      dockerfile,
      context: root,
      workdir,
    });
    expect(command).toContain(`--workspace ${image.packageName}`);
    expect(packages.length).toBeGreaterThan(50);
    expect(developmentPackagesIn(packages, path.join(root, "package-lock.json"))).toEqual([]);
    // Its own workspace and the kit, linked; no other workspace (tools, admin-ui, the others).
    expect(workspaceLinks.sort()).toEqual(
      [`node_modules/${image.packageName}`, "node_modules/@rampart/kit"].sort(),
    );
  }, 120_000);

  it("runs on node:24-*-slim as a non-root user, with a health check and one writable volume", () => {
    expect(inspectRuntimeStage(dockerfile, { adminUi: image.gateway })).toEqual([]);
  });
});
