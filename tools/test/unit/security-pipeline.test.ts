import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

// .github/workflows/security-scan.yml and .github/dependabot.yml, read as GitHub reads them.

const root = path.resolve(__dirname, "..", "..", "..");
const workflowsDir = path.join(root, ".github", "workflows");
const securityScan = fs.readFileSync(path.join(workflowsDir, "security-scan.yml"), "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { if?: string; steps: Step[] }>;
}

const workflow = parse(securityScan) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const uses = (prefix: string) => steps.filter((step) => step.uses?.startsWith(prefix));

it("pins every action of security-scan.yml by a full commit SHA, with its tag in a comment", () => {
  const lines = securityScan.split("\n").filter((line) => /^\s*-?\s*uses:/.test(line));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  }
});

it("reads the repository only, by default", () => {
  expect(workflow.permissions).toEqual({ contents: "read" });
  for (const step of uses("actions/checkout")) {
    expect(step.with).toMatchObject({ "persist-credentials": false });
  }
});

it("runs every scanner the pipeline promises", () => {
  expect(
    steps.some((step) => step.run?.includes("npm run security:check -- --require-audit")),
  ).toBe(true);
  expect(uses("github/codeql-action/init")).toHaveLength(1);
  expect(uses("github/codeql-action/analyze")).toHaveLength(1);
  expect(steps.some((step) => step.run === "semgrep --test .semgrep/")).toBe(true);
  expect(
    steps.some((step) =>
      step.run?.startsWith("semgrep scan --config .semgrep/rampart.yml --error"),
    ),
  ).toBe(true);
  expect(uses("gitleaks/gitleaks-action")).toHaveLength(1);
  const trivy = uses("aquasecurity/trivy-action").map((step) => step.with?.["scan-type"]);
  expect(trivy.sort()).toEqual(["config", "image"]);
  const sbom = uses("actions/upload-artifact")[0];
  expect(sbom.with).toMatchObject({
    path: ".security/sbom.cdx.json",
    "if-no-files-found": "error",
  });
  expect(workflow.jobs["dependency-review"].if).toContain("pull_request");
  expect(uses("actions/dependency-review-action")[0].with).toMatchObject({
    "fail-on-severity": "high",
  });
});

it("scans an image for every Dockerfile in the repository", () => {
  const dockerfiles = [
    "gateway",
    ...fs.readdirSync(path.join(root, "subgraphs")).map((name) => `subgraphs/${name}`),
  ]
    .map((dir) => `${dir}/Dockerfile`)
    .filter((file) => fs.existsSync(path.join(root, file)));
  const matrix = (
    workflow.jobs["trivy-images"] as unknown as {
      strategy: { matrix: { include: { dockerfile: string }[] } };
    }
  ).strategy.matrix.include.map((entry) => entry.dockerfile);
  expect(matrix.sort()).toEqual(dockerfiles.sort());
});

it("has Dependabot watch npm, the actions and the Docker base images", () => {
  const dependabot = parse(
    fs.readFileSync(path.join(root, ".github", "dependabot.yml"), "utf8"),
  ) as {
    updates: { "package-ecosystem": string }[];
  };
  expect(dependabot.updates.map((update) => update["package-ecosystem"]).sort()).toEqual(
    ["docker", "docker-compose", "github-actions", "npm"].sort(),
  );
});
