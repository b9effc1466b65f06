import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const workspace = path.resolve(__dirname, "..", "..");
// The package's exports hide its bin script: find it where npm installs it (hoisted or not).
const cli = [workspace, path.dirname(workspace)]
  .map((folder) => path.join(folder, "node_modules", "@graphql-codegen", "cli", "cjs", "bin.js"))
  .find((file) => fs.existsSync(file)) as string;

describe("the dashboard's typed documents (run npm run codegen -w admin-ui after a change)", () => {
  it("src/gql is what GraphQL Code Generator makes from schema/api.admin.graphql today", () => {
    // `--check` generates in memory and fails on any difference from the files on disk.
    const run = spawnSync(process.execPath, [cli, "--config", "codegen.ts", "--check"], {
      cwd: workspace,
      encoding: "utf8",
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    expect({ status: run.status, stale: run.stdout.match(/- src\/gql\/\S+/g) ?? [] }).toEqual({
      status: 0,
      stale: [],
    });
  }, 60_000);
});
