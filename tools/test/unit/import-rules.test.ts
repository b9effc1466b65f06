import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const fixture = path.join(__dirname, "..", "fixtures", "import-rules");

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** `npm run lint:imports`, as package.json writes it, run in a folder. */
function lintImports(cwd: string, ...extraArgs: string[]) {
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const script = scripts["lint:imports"];
  expect(scripts.lint).toContain("npm run --silent lint:imports");
  expect(script).toMatch(/^depcruise --config \.dependency-cruiser\.js /);
  const binary = path.join(
    root,
    "node_modules",
    "dependency-cruiser",
    "bin",
    "dependency-cruise.mjs",
  );
  const command = script
    .replace(/^depcruise/, `"${process.execPath}" "${binary}"`)
    .replace(".dependency-cruiser.js", `"${path.join(root, ".dependency-cruiser.js")}"`);
  return spawnSync("sh", ["-c", [command, ...extraArgs].join(" ")], { cwd, encoding: "utf8" });
}

describe("npm run lint:imports (the allowed imports, .dependency-cruiser.js)", () => {
  it("fails on every forbidden import of the fixture, and only on those", () => {
    // As npm run lint runs it: a failure.
    const lint = lintImports(fixture);
    expect(lint.status).not.toBe(0);
    expect(lint.stdout).toContain("dependency violations");
    // The same run as a report: what failed.
    const report = JSON.parse(lintImports(fixture, "--output-type json").stdout) as {
      summary: { violations: Violation[] };
    };
    const violations = report.summary.violations;
    const found = violations.map(({ rule, from, to }) => `${rule.name}: ${from} -> ${to}`).sort();
    expect(found).toEqual(
      [
        "gateway-imports-no-subgraph: gateway/src/main.ts -> subgraphs/commerce/src/subgraph.ts",
        "gateway-imports-no-subgraph-framework: gateway/src/main.ts -> packages/kit/src/subgraph/index.ts",
        "kit-root-and-stores-import-no-subgraph-framework: packages/kit/src/stores/index.ts -> packages/kit/src/subgraph/index.ts",
        "kit-through-its-entry-points: gateway/src/main.ts -> packages/kit/src/internal.ts",
        "no-circular: packages/kit/src/cycle-a.ts -> packages/kit/src/cycle-b.ts",
        "no-unresolvable: gateway/src/main.ts -> ../../packages/kit/dist/index",
        "no-unresolvable: tools/src/cli.ts -> @rampart/kit/dist/testing",
        "services-through-their-entry-point: tools/src/cli.ts -> gateway/src/main.ts",
        "src-imports-no-test: subgraphs/security/src/subgraph.ts -> subgraphs/security/test/helper.ts",
        "subgraph-imports-no-other-subgraph: subgraphs/commerce/src/subgraph.ts -> subgraphs/security/src/subgraph.ts",
      ].sort(),
    );
  });
});
