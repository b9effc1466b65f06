import path from "node:path";
import {
  auditDependencies,
  lintLockfile,
  lintSecurityRules,
  locateNpmCli,
  writeSbom,
  type CheckResult,
} from "./security-check/checks";

// `npm run security:check [-- --require-audit]`: what the security pipeline
// (.github/workflows/security-scan.yml) checks that runs here, offline or through the npm
// registry: the dependency audit gate, lockfile-lint, a CycloneDX SBOM and the ESLint
// equivalents of our Semgrep rules. Prints one line per check and a summary; exits 1 when one
// failed. An audit the registry cannot answer is `unavailable`: a failure with --require-audit
// (the GitHub workflow), a warning otherwise (a registry mirror without the audit endpoint).

const root = path.resolve(__dirname, "..", "..");
const requireAudit = process.argv.includes("--require-audit");
const context = {
  root,
  toolModules: path.join(root, "node_modules"),
  npmCli: locateNpmCli(),
};

const checks: (() => Promise<CheckResult>)[] = [
  () => auditDependencies(context),
  () => lintLockfile(context),
  () => writeSbom(context),
  () => lintSecurityRules(context),
];

async function main(): Promise<void> {
  const results: CheckResult[] = [];
  process.stdout.write("security:check\n");
  for (const check of checks) {
    const result = await check();
    results.push(result);
    process.stdout.write(
      `  ${result.name.padEnd(28)}${result.status.padEnd(13)}${result.detail}\n`,
    );
  }
  const count = (status: CheckResult["status"]) =>
    results.filter((r) => r.status === status).length;
  const failed = count("fail") + (requireAudit ? count("unavailable") : 0);
  const unavailable = results.filter((r) => r.status === "unavailable").map((r) => r.name);
  process.stdout.write(
    `security:check: ${count("pass")} passed, ${failed} failed` +
      (unavailable.length > 0
        ? `, ${unavailable.length} unavailable (${unavailable.join(", ")}${requireAudit ? ": required" : ": counted in CI, where the registry answers"})`
        : "") +
      "\n",
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
