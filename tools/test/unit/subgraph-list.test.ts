import fs from "node:fs";
import path from "node:path";
import { SUBGRAPHS, subgraphFolderOf } from "@rampart/kit";

// The subgraphs are listed once, in packages/kit/src/subgraphs.ts. This test fails when some
// source spells a subgraph's port again, or lists several subgraph names by hand, so that adding
// a subgraph stays a one-line change there (README.md, "Adding a subgraph").

const root = path.resolve(__dirname, "..", "..", "..");
const LIST = "packages/kit/src/subgraphs.ts";

/** Folders whose sources the services, the launcher and the tools are built from. */
const SOURCE_ROOTS = [
  "packages/kit/src",
  "gateway/src",
  "tools/src",
  "admin-ui/src",
  ...SUBGRAPHS.map(({ name }) => `${subgraphFolderOf(name)}/src`),
];

function sourceFiles(folder: string): string[] {
  const absolute = path.join(root, folder);
  if (!fs.existsSync(absolute)) return [];
  return fs.readdirSync(absolute, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name) ? [relative] : [];
  });
}

/** Lines of `text` matching `pattern`, as `file:line: text`. */
function matches(file: string, text: string, pattern: RegExp): string[] {
  return text
    .split("\n")
    .flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : []));
}

const ports = new RegExp(`\\b(${SUBGRAPHS.map(({ port }) => port).join("|")})\\b`);
const name = `["'\`](${SUBGRAPHS.map((subgraph) => subgraph.name).join("|")})["'\`]`;
/** Two subgraph names in a row in a list literal: `["security", "commerce", ...]`. */
const nameList = new RegExp(`${name}\\s*,\\s*${name}`);
/** An object keyed by two subgraph names: `{ security: ..., commerce: ... }` on one line or two. */
const nameKeys = new RegExp(`^\\s*(${SUBGRAPHS.map((s) => s.name).join("|")})\\s*:`);

describe("the one list of subgraphs (packages/kit/src/subgraphs.ts)", () => {
  const files = SOURCE_ROOTS.flatMap(sourceFiles).filter((file) => file !== LIST);

  it("is the only source that spells a subgraph's port", () => {
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) =>
      matches(file, fs.readFileSync(path.join(root, file), "utf8"), ports),
    );
    expect(found).toEqual([]);
  });

  it("is the only source that lists subgraph names", () => {
    const found = files.flatMap((file) => {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      const keyed = matches(file, text, nameKeys);
      // One key alone is ordinary (an audience, a log field); several make a hand-written list.
      return [...matches(file, text, nameList), ...(keyed.length > 1 ? keyed : [])];
    });
    expect(found).toEqual([]);
  });

  it("names each subgraph once, with its own port, and a folder that exists", () => {
    const names = SUBGRAPHS.map((subgraph) => subgraph.name);
    const listedPorts = SUBGRAPHS.map((subgraph) => subgraph.port);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(listedPorts).size).toBe(listedPorts.length);
    for (const { name: subgraph } of SUBGRAPHS) {
      expect(fs.existsSync(path.join(root, subgraphFolderOf(subgraph), "package.json"))).toBe(true);
    }
  });
});
