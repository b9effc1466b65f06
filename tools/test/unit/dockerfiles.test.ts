import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspectRuntimeStage } from "@rampart/kit/testing";
import { SUBGRAPHS } from "@rampart/kit";
import { generatedDockerfiles, serviceImages } from "../../src/dockerfiles";

const root = path.resolve(__dirname, "..", "..", "..");
const dockerfiles = generatedDockerfiles(root);

/** Writes `text` to a temporary Dockerfile and inspects it. */
function inspect(text: string, adminUi = false): string[] {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-dockerfile-"));
  try {
    const file = path.join(folder, "Dockerfile");
    fs.writeFileSync(file, text);
    return inspectRuntimeStage(file, { adminUi });
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

describe("service Dockerfiles (npm run dockerfiles)", () => {
  it("are committed as npm run dockerfiles writes them", () => {
    // The built script (npm test builds first).
    const script = path.join(root, "tools", "dist", "dockerfiles.js");
    const run = spawnSync(process.execPath, [script, "--check"], { cwd: root, encoding: "utf8" });
    expect({ code: run.status, out: run.stdout, err: run.stderr }).toEqual({
      code: 0,
      out: "",
      err: "",
    });
  });

  it("are one per service: the gateway and every subgraph of the list", () => {
    expect(Object.keys(dockerfiles)).toEqual([
      "gateway/Dockerfile",
      ...SUBGRAPHS.map(({ name }) => `subgraphs/${name}/Dockerfile`),
    ]);
    for (const { folder, ports } of serviceImages(root)) {
      expect(dockerfiles[`${folder}/Dockerfile`]).toContain(`EXPOSE ${ports.join(" ")}\n`);
    }
  });

  it("pass the runtime stage inspection", () => {
    for (const { folder, gateway } of serviceImages(root)) {
      expect(inspect(dockerfiles[`${folder}/Dockerfile`], gateway)).toEqual([]);
    }
  });
});

describe("the runtime stage inspection", () => {
  const gateway = dockerfiles["gateway/Dockerfile"];
  const commerce = dockerfiles["subgraphs/commerce/Dockerfile"];

  // The gateway's Dockerfile as it was before the template (a .txt, so that no scanner takes it
  // for a Dockerfile of the repository).
  it("finds every problem of the gateway's Dockerfile from before the template", () => {
    const before = fs.readFileSync(
      path.join(
        __dirname,
        "..",
        "fixtures",
        "dockerfiles",
        "gateway-before-template.dockerfile.txt",
      ),
      "utf8",
    );
    expect(inspect(before, true)).toEqual([
      "stage manifests starts FROM node:20-bookworm-slim, not node:24-<debian>-slim",
      "stage stage-3 starts FROM node:20-bookworm-slim, not node:24-<debian>-slim",
      "the runtime stage does not carry the built admin UI (admin-ui/dist) where ADMIN_UI_DIR points",
    ]);
  });

  it.each([
    [
      "a base image other than Node 24 slim",
      (text: string) =>
        text.replace("FROM node:24-bookworm-slim AS runtime", "FROM node:24-bookworm AS runtime"),
      "stage runtime starts FROM node:24-bookworm, not node:24-<debian>-slim",
    ],
    [
      "no USER",
      (text: string) => text.replace("USER node\n", ""),
      "the runtime stage has no USER: it would run as root",
    ],
    [
      "USER root",
      (text: string) => text.replace("USER node\n", "USER root\n"),
      "the runtime stage runs as root",
    ],
    [
      "no HEALTHCHECK",
      (text: string) => text.replace(/HEALTHCHECK [^\n]*\\\n[^\n]*\n/, ""),
      "the runtime stage has no HEALTHCHECK",
    ],
    [
      "no production NODE_ENV",
      (text: string) => text.replace("NODE_ENV=production ", ""),
      "the runtime stage does not set NODE_ENV=production",
    ],
    [
      "no VOLUME",
      (text: string) => text.replace("VOLUME /var/lib/rampart\n", ""),
      "the runtime stage must declare one VOLUME, RAMPART_DATA_DIR (found none)",
    ],
    [
      "bench code copied from the context",
      (text: string) =>
        text.replace("USER node\n", "COPY tools/src/bench tools/bench\nUSER node\n"),
      "the runtime stage copies tools/src/bench from the build context",
    ],
    [
      "sources copied from the build stage",
      (text: string) =>
        text.replace(
          "USER node\n",
          "COPY --from=build /app/subgraphs/commerce/src subgraphs/commerce/src\nUSER node\n",
        ),
      "the runtime stage copies /app/subgraphs/commerce/src from build, which is not compiled output",
    ],
    [
      "dev dependencies installed",
      (text: string) => text.replace("npm ci --omit=dev --workspace", "npm ci --workspace"),
      "the runtime stage's node_modules do not come from `npm ci --omit=dev --workspace <one>`",
    ],
  ])("refuses %s", (_, mutate, problem) => {
    expect(inspect(mutate(commerce))).toEqual([problem]);
  });

  it("refuses a gateway image without the admin UI", () => {
    const without = gateway.replace(/COPY --from=build \/app\/admin-ui\/dist [^\n]*\n/, "");
    expect(inspect(without, true)).toEqual([
      "the runtime stage does not carry the built admin UI (admin-ui/dist) where ADMIN_UI_DIR points",
    ]);
  });
});
