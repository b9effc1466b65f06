import fs from "node:fs";
import path from "node:path";

const root = path.resolve(__dirname, "..", "..", "..");
const readJson = <T>(file: string): T =>
  JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as T;

/** `@rampart/kit`'s entry points, as its package.json exports them: name → built file. */
function exportedEntryPoints(): Map<string, string> {
  const { exports } = readJson<{ exports: Record<string, string | { default: string }> }>(
    "packages/kit/package.json",
  );
  return new Map(
    Object.entries(exports)
      .filter(([subpath]) => subpath !== "./package.json")
      .map(([subpath, target]) => [
        `@rampart/kit${subpath.slice(1)}`,
        typeof target === "string" ? target : target.default,
      ]),
  );
}

/** The source file a built entry point is compiled from, relative to the repository root. */
const sourceOf = (built: string): string =>
  path.posix.join("packages/kit", built.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));

describe("@rampart/kit's entry points", () => {
  const entryPoints = exportedEntryPoints();

  it("are the root, subgraph, stores, testing and tools, each an index of its own folder", () => {
    expect([...entryPoints.keys()].sort()).toEqual(
      [
        "@rampart/kit",
        "@rampart/kit/stores",
        "@rampart/kit/subgraph",
        "@rampart/kit/testing",
        "@rampart/kit/tools",
      ].sort(),
    );
    for (const built of entryPoints.values()) {
      expect(fs.existsSync(path.join(root, sourceOf(built)))).toBe(true);
    }
  });

  it("resolve to the same sources in Jest and in the tests' TypeScript config", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jestConfig = require(path.join(root, "jest.config.js")) as {
      projects: { moduleNameMapper: Record<string, string> }[];
    };
    const { paths } = readJson<{ compilerOptions: { paths: Record<string, string[]> } }>(
      "tsconfig.test.json",
    ).compilerOptions;
    for (const [name, built] of entryPoints) {
      const source = sourceOf(built);
      for (const project of jestConfig.projects) {
        expect(project.moduleNameMapper[`^${name}$`]).toBe(`<rootDir>/${source}`);
      }
      expect(paths[name]).toEqual([source]);
    }
  });

  it("keep the layers apart: the root re-exports neither the subgraph framework nor the stores", () => {
    const rootIndex = fs.readFileSync(path.join(root, "packages/kit/src/index.ts"), "utf8");
    const reexported = [...rootIndex.matchAll(/from "\.\/([^"]+)"/g)].map((match) => match[1]);
    expect(reexported.length).toBeGreaterThan(0);
    expect(
      reexported.filter((module) => /^(subgraph|stores|testing|tools)\b/.test(module)),
    ).toEqual([]);
  });
});
