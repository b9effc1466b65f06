import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

// The ESLint equivalents of .semgrep/rampart.yml (tools/eslint/security-rules.mjs), run by the
// real ESLint with the repository's config on Semgrep's own test snippet: each rule must fire on
// exactly the lines annotated `ruleid: <rule>` and on none annotated `ok: <rule>`.

const root = path.resolve(__dirname, "..", "..", "..");
const snippet = path.join(root, ".semgrep", "rampart.tsx");
const rulesFile = path.join(root, ".semgrep", "rampart.yml");

/** Lines (1-based) that each rule must (ruleid) and must not (ok) report, from the annotations. */
function annotations(text: string): {
  ruleid: Map<string, Set<number>>;
  ok: Map<string, Set<number>>;
} {
  const ruleid = new Map<string, Set<number>>();
  const ok = new Map<string, Set<number>>();
  text.split("\n").forEach((line, index) => {
    const match = /(ruleid|ok):\s*([\w-]+)/.exec(line);
    if (!match) return;
    const target = match[1] === "ruleid" ? ruleid : ok;
    if (!target.has(match[2])) target.set(match[2], new Set());
    // The annotation names the next line (index is 0-based: the next line is index + 2).
    target.get(match[2])?.add(index + 2);
  });
  return { ruleid, ok };
}

interface EslintMessage {
  line: number;
  ruleId: string | null;
  message: string;
  fatal?: boolean;
}

/** Lines each Rampart rule reported on `file`, by the repository's ESLint config. */
function eslintFindings(file: string): Map<string, Set<number>> {
  const result = spawnSync(
    process.execPath,
    [
      path.join(root, "node_modules", "eslint", "bin", "eslint.js"),
      "--no-ignore",
      "--format",
      "json",
      file,
    ],
    { cwd: root, encoding: "utf8", timeout: 60_000 },
  );
  const [report] = JSON.parse(result.stdout) as { messages: EslintMessage[] }[];
  expect(report.messages.filter((message) => message.fatal)).toEqual([]);
  const found = new Map<string, Set<number>>();
  for (const message of report.messages) {
    if (message.ruleId !== "no-restricted-syntax") continue;
    const rule = /^(rampart-[\w-]+):/.exec(message.message)?.[1];
    if (!rule) continue;
    if (!found.has(rule)) found.set(rule, new Set());
    found.get(rule)?.add(message.line);
  }
  return found;
}

const ruleIds = (
  parse(fs.readFileSync(rulesFile, "utf8")) as { rules: { id: string }[] }
).rules.map((rule) => rule.id);
const expected = annotations(fs.readFileSync(snippet, "utf8"));
const findings = eslintFindings(snippet);

it("the snippet tests every Semgrep rule, both ways", () => {
  expect([...expected.ruleid.keys()].sort()).toEqual([...ruleIds].sort());
  expect([...expected.ok.keys()].sort()).toEqual([...ruleIds].sort());
});

it.each(ruleIds)("%s: ESLint reports every `ruleid` line and no `ok` line", (rule) => {
  const reported = [...(findings.get(rule) ?? [])].sort((a, b) => a - b);
  expect(reported).toEqual([...(expected.ruleid.get(rule) ?? [])].sort((a, b) => a - b));
  for (const line of expected.ok.get(rule) ?? []) expect(reported).not.toContain(line);
});

it("keeps SQL built from strings out of services but lets tests build throw-away schemas", () => {
  const dir = fs.mkdtempSync(path.join(root, "tools", ".security-rules-"));
  try {
    const source =
      'declare const db: { query(sql: string): void };\ndeclare const name: string;\ndb.query(`drop schema "${name}" cascade`);\n';
    const inTest = path.join(dir, "test", "cleanup.ts");
    fs.mkdirSync(path.dirname(inTest), { recursive: true });
    fs.writeFileSync(inTest, source);
    const inSource = path.join(dir, "src", "cleanup.ts");
    fs.mkdirSync(path.dirname(inSource), { recursive: true });
    fs.writeFileSync(inSource, source);
    expect(eslintFindings(inSource).get("rampart-sql-from-strings")).toEqual(new Set([3]));
    expect(eslintFindings(inTest).get("rampart-sql-from-strings")).toBeUndefined();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
