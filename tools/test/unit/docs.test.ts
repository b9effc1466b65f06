import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { errorCodeMeanings } from "../../src/docs/error-codes";
import { defaultOf, descriptionOf } from "../../src/docs/environment";
import { z } from "zod";

const root = path.resolve(__dirname, "..", "..", "..");

describe("generated references", () => {
  it("are committed as npm run docs writes them (run it after changing ErrorCode or a config)", () => {
    // The built script (npm test builds first): Prettier formats them, which Jest cannot load.
    const script = path.join(root, "tools", "dist", "docs.js");
    const run = spawnSync(process.execPath, [script, "--check"], { cwd: root, encoding: "utf8" });
    expect({ code: run.status, out: run.stdout, err: run.stderr }).toEqual({
      code: 0,
      out: "",
      err: "",
    });
  });

  it("read each error code's meaning from its doc comment", () => {
    const meanings = errorCodeMeanings(`export const ErrorCode = {
      /** No valid credentials. */
      Unauthenticated: "UNAUTHENTICATED",
      Undocumented: "UNDOCUMENTED",
    } as const;`);
    expect(meanings.get("Unauthenticated")).toBe("No valid credentials.");
    expect(meanings.get("Undocumented")).toBe("");
  });

  it("read a variable's default as written in the environment, and its description", () => {
    const seconds = z.coerce
      .number()
      .default(60)
      .transform((value) => value * 1000)
      .describe("Set X to seconds");
    expect(defaultOf(seconds)).toBe(60);
    expect(descriptionOf(seconds)).toBe("Set X to seconds");
    const inner = z.string().describe("Set Y to a URL").default("http://a");
    expect(descriptionOf(inner)).toBe("Set Y to a URL");
    expect(defaultOf(z.string().optional())).toBeUndefined();
  });
});

describe("documents", () => {
  const documents = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard"],
    {
      cwd: root,
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((file) => /^(README\.md|docs\/.*\.md)$/.test(file));

  it.each(documents)("%s points only at files inside the repository", (file) => {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const outside: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target.startsWith("#")) continue;
      if (/^[a-z]+:/i.test(target)) {
        outside.push(target);
        continue;
      }
      const resolved = path.resolve(path.dirname(path.join(root, file)), target.split("#")[0]);
      if (!resolved.startsWith(`${root}${path.sep}`) || !fs.existsSync(resolved))
        outside.push(target);
    }
    // Paths of a particular machine (a checkout, a home folder, a temporary folder).
    for (const [match] of text.matchAll(/(?:\/work\/|\/home\/|\/Users\/|\/tmp\/|~\/)\S*/g))
      outside.push(match);
    expect(outside).toEqual([]);
  });
});
