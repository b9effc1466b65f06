import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** How one check ended: `unavailable` means it could not run (no answer), not that it passed. */
export type CheckStatus = "pass" | "fail" | "unavailable";

/** One line of the summary. */
export interface CheckResult {
  /** What was checked, e.g. `npm audit (high, critical)`. */
  readonly name: string;
  readonly status: CheckStatus;
  /** One line: counts, the file written, or why it failed. */
  readonly detail: string;
}

/**
 * The npm CLI script to run `npm audit` with: `npm_execpath` when npm runs us, else the `npm`
 * found on PATH (resolved through its link), else the npm installed next to this node. Node
 * from the `node@24` package brings no npm of its own, so PATH is what finds one there.
 */
export function locateNpmCli(environment: NodeJS.ProcessEnv = process.env): string {
  const execPath = environment.npm_execpath;
  if (execPath && path.basename(execPath).startsWith("npm-cli")) return execPath;
  for (const dir of (environment.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, "npm");
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
  }
  return path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "bin",
    "npm-cli.js",
  );
}

/** Where the checks run and write. */
export interface CheckContext {
  /** The project checked: its package.json, package-lock.json and sources. */
  readonly root: string;
  /** The node_modules folder the tools (eslint, lockfile-lint, cyclonedx-npm) run from. */
  readonly toolModules: string;
  /** The npm CLI script (`npm_execpath` when run through npm). */
  readonly npmCli: string;
  /** A registry to audit against instead of the configured one. */
  readonly registry?: string;
  /** An npm cache folder instead of the user's (npm keeps advisories there). */
  readonly npmCache?: string;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (asynchronously: a test may serve what it asks for in-process). */
function run(command: string, args: string[], context: CheckContext): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: context.root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: error.message });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `node <package's bin script> args` from the repository's node_modules. */
function runBin(pkg: string, script: string, args: string[], context: CheckContext): Promise<Run> {
  return run(
    process.execPath,
    [path.join(context.root, "node_modules", pkg, script), ...args],
    context,
  );
}

/** The first line of a tool's error output, without colour codes. */
const firstLine = (text: string): string =>
  text
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
    .split("\n")
    .map((line) => line.trim())
    .find(Boolean) ?? "no output";

/** Severities that fail the audit gate. */
const gateSeverities = ["critical", "high"] as const;

/**
 * Advisories accepted on purpose, each with why (reviewed when Dependabot proposes an upgrade).
 * Empty: no high or critical advisory is accepted today.
 */
export const acceptedAdvisories: readonly { url: string; why: string }[] = [];

/**
 * `npm audit` over every dependency, development ones included: dev tools run in CI and on
 * developers' machines next to the deploy secrets, so a compromised one matters as much as a
 * runtime one. High and critical fail; lower ones are counted. When the registry has no audit
 * endpoint (a mirror), the result is `unavailable`.
 */
export async function auditDependencies(context: CheckContext): Promise<CheckResult> {
  const name = "npm audit (high, critical)";
  const npmOptions: string[] = context.registry ? ["--registry", context.registry] : [];
  if (context.npmCache) npmOptions.push("--cache", context.npmCache);
  const result = await run(
    process.execPath,
    [context.npmCli, "audit", "--json", "--prefer-online", ...npmOptions],
    context,
  );
  let report: {
    metadata?: { vulnerabilities?: Record<string, number> };
    vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
    error?: { summary?: string };
    message?: string;
  };
  try {
    report = JSON.parse(result.stdout);
  } catch {
    return { name, status: "unavailable", detail: firstLine(result.stderr) };
  }
  const counts = report.metadata?.vulnerabilities;
  if (!counts) {
    const why = report.message ?? report.error?.summary ?? firstLine(result.stderr);
    return { name, status: "unavailable", detail: `the registry gave no audit: ${why}` };
  }
  const accepted = new Set(acceptedAdvisories.map((advisory) => advisory.url));
  const blocking = Object.entries(report.vulnerabilities ?? {}).filter(
    ([, vulnerability]) =>
      (gateSeverities as readonly string[]).includes(vulnerability.severity) &&
      vulnerability.via.some(
        (via) => typeof via !== "object" || !accepted.has((via as { url?: string }).url ?? ""),
      ),
  );
  const summary = ["critical", "high", "moderate", "low"]
    .map((severity) => `${counts[severity] ?? 0} ${severity}`)
    .join(", ");
  return blocking.length === 0
    ? { name, status: "pass", detail: `${summary} (all dependencies)` }
    : {
        name,
        status: "fail",
        detail: `${summary}: ${blocking.map(([pkg]) => pkg).join(", ")} (npm audit for details, npm audit fix or an upgrade)`,
      };
}

/** lockfile-lint: every package from the npm registry over https, names and integrity checked. */
export async function lintLockfile(context: CheckContext): Promise<CheckResult> {
  const name = "lockfile-lint";
  const result = await runBin(
    "lockfile-lint",
    "bin/lockfile-lint.js",
    [
      "--path",
      "package-lock.json",
      "--type",
      "npm",
      "--allowed-hosts",
      "npm",
      "--validate-https",
      "--validate-package-names",
      "--validate-integrity",
    ],
    context,
  );
  return result.status === 0
    ? {
        name,
        status: "pass",
        detail: "package-lock.json: npm registry only, https, names and sha512 integrity",
      }
    : { name, status: "fail", detail: firstLine(result.stderr || result.stdout) };
}

/** Where the SBOM is written (gitignored). */
export const sbomPath = path.join(".security", "sbom.cdx.json");

/**
 * A CycloneDX SBOM of the production dependencies (what the images run). `npm ls` reports
 * graphql-rate-limit's nested graphql-tools 7 peer range as invalid (harmless, see the README),
 * so its errors are ignored; the SBOM is then checked to be CycloneDX with components.
 */
export async function writeSbom(context: CheckContext): Promise<CheckResult> {
  const name = "SBOM (CycloneDX 1.6)";
  const output = path.join(context.root, sbomPath);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.rmSync(output, { force: true });
  const result = await runBin(
    "@cyclonedx/cyclonedx-npm",
    "bin/cyclonedx-npm-cli.js",
    [
      "--omit",
      "dev",
      "--ignore-npm-errors",
      "--spec-version",
      "1.6",
      "--output-format",
      "JSON",
      "--output-reproducible",
      "--output-file",
      output,
    ],
    context,
  );
  try {
    const bom = JSON.parse(fs.readFileSync(output, "utf8")) as {
      bomFormat?: string;
      components?: unknown[];
    };
    if (bom.bomFormat !== "CycloneDX" || !bom.components?.length)
      throw new Error("not a CycloneDX BOM with components");
    return {
      name,
      status: "pass",
      detail: `${sbomPath}: ${bom.components.length} components (production dependencies)`,
    };
  } catch (error) {
    return {
      name,
      status: "fail",
      detail: `${(error as Error).message}; cyclonedx-npm: ${firstLine(result.stderr)}`,
    };
  }
}

/**
 * The Semgrep-equivalent ESLint rules (tools/eslint/security-rules.mjs) over the repository,
 * with the repository's ESLint config; only their findings count here.
 */
export async function lintSecurityRules(context: CheckContext): Promise<CheckResult> {
  const name = "ESLint security rules";
  const result = await runBin("eslint", "bin/eslint.js", ["--format", "json", "."], context);
  let reports: {
    filePath: string;
    messages: { line: number; ruleId: string | null; message: string }[];
  }[];
  try {
    reports = JSON.parse(result.stdout);
  } catch {
    return { name, status: "fail", detail: firstLine(result.stderr) };
  }
  const findings = reports.flatMap((report) =>
    report.messages
      .filter(
        (message) => message.ruleId === "no-restricted-syntax" && /^rampart-/.test(message.message),
      )
      .map(
        (message) =>
          `${path.relative(context.root, report.filePath)}:${message.line} ${message.message.split(":")[0]}`,
      ),
  );
  const rules =
    "secret-in-log, sql-from-strings, dangerously-set-inner-html, tls-verification-disabled";
  return findings.length === 0
    ? { name, status: "pass", detail: `0 findings in ${reports.length} files (${rules})` }
    : {
        name,
        status: "fail",
        detail: `${findings.length} findings: ${findings.slice(0, 5).join("; ")}`,
      };
}
