import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  auditDependencies,
  lintLockfile,
  locateNpmCli,
  type CheckContext,
} from "../../src/security-check/checks";

// The checks of `npm run security:check` on a small project of the test's own: the audit gate
// runs the real `npm audit` against a local server that speaks the registry's audit protocol
// (POST /-/npm/v1/security/advisories/bulk), and lockfile-lint reads a real lockfile.

const root = path.resolve(__dirname, "..", "..", "..");
const npmCli = locateNpmCli();

type Advisories = Record<
  string,
  {
    id: number;
    url: string;
    title: string;
    severity: string;
    vulnerable_versions: string;
    cwe: string[];
    cvss: { score: number; vectorString: string | null };
  }[]
>;

/** What the fake registry answers to the bulk audit request: advisories, or a status. */
let auditAnswer: { status: number; advisories?: Advisories } = { status: 200, advisories: {} };
const requests: string[] = [];
let server: http.Server;
let registry: string;
let project: string;

const tarball = Buffer.from("not a real tarball");
const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;

function writeProject(dir: string, resolvedBase: string): void {
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "audit-fixture",
      version: "1.0.0",
      dependencies: { "left-pad-fixture": "1.0.0" },
    }),
  );
  fs.writeFileSync(
    path.join(dir, "package-lock.json"),
    JSON.stringify({
      name: "audit-fixture",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": {
          name: "audit-fixture",
          version: "1.0.0",
          dependencies: { "left-pad-fixture": "1.0.0" },
        },
        "node_modules/left-pad-fixture": {
          version: "1.0.0",
          resolved: `${resolvedBase}/left-pad-fixture/-/left-pad-fixture-1.0.0.tgz`,
          integrity,
        },
      },
    }),
  );
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push(`${request.method} ${request.url}`);
      if (
        request.method === "POST" &&
        request.url?.endsWith("/-/npm/v1/security/advisories/bulk")
      ) {
        const body = Buffer.concat(chunks);
        const asked = JSON.parse(
          (request.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString(),
        ) as Record<string, string[]>;
        if (auditAnswer.status !== 200) {
          response.writeHead(auditAnswer.status).end();
          return;
        }
        const answer = Object.fromEntries(
          Object.entries(auditAnswer.advisories ?? {}).filter(([name]) => name in asked),
        );
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        return;
      }
      if (request.url === "/left-pad-fixture") {
        const version = (v: string) => ({
          name: "left-pad-fixture",
          version: v,
          dist: { tarball: `${registry}/left-pad-fixture/-/left-pad-fixture-${v}.tgz`, integrity },
        });
        response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            name: "left-pad-fixture",
            "dist-tags": { latest: "2.0.0" },
            versions: { "1.0.0": version("1.0.0"), "2.0.0": version("2.0.0") },
          }),
        );
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  project = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-security-check-"));
  writeProject(project, registry);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

const context = (): CheckContext => ({
  root: project,
  toolModules: path.join(root, "node_modules"),
  npmCli,
  registry: `${registry}/`,
  // npm keeps advisories in its cache: each check gets an empty one, so it sees its own answer.
  npmCache: fs.mkdtempSync(path.join(project, "npm-cache-")),
});

const advisory = (severity: string) => ({
  "left-pad-fixture": [
    {
      id: 1_000_001,
      url: "https://github.com/advisories/GHSA-test-fixture",
      title: "Prototype pollution in left-pad-fixture",
      severity,
      vulnerable_versions: "<2.0.0",
      cwe: ["CWE-1321"],
      cvss: { score: severity === "high" ? 7.5 : 4.3, vectorString: null },
    },
  ],
});

describe("the audit gate (npm audit against a registry speaking the audit protocol)", () => {
  it("passes with no advisory", async () => {
    auditAnswer = { status: 200, advisories: {} };
    expect(await auditDependencies(context())).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("0 critical, 0 high"),
    });
    expect(requests).toContain("POST /-/npm/v1/security/advisories/bulk");
  });

  it("fails on a high advisory and names the package", async () => {
    auditAnswer = { status: 200, advisories: advisory("high") };
    expect(await auditDependencies(context())).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/0 critical, 1 high.*left-pad-fixture/),
    });
  });

  it("counts a moderate advisory without failing", async () => {
    auditAnswer = { status: 200, advisories: advisory("moderate") };
    expect(await auditDependencies(context())).toMatchObject({
      status: "pass",
      detail: expect.stringContaining("1 moderate"),
    });
  });

  it("reports a registry without the audit endpoint as unavailable, never as passed", async () => {
    auditAnswer = { status: 405 };
    expect(await auditDependencies(context())).toMatchObject({
      status: "unavailable",
      detail: expect.stringContaining("405"),
    });
  });
});

describe("lockfile-lint", () => {
  it("passes the repository's lockfile", async () => {
    expect(await lintLockfile({ ...context(), root })).toMatchObject({ status: "pass" });
  });

  it("fails a lockfile that resolves a package from another host over http", async () => {
    expect(await lintLockfile(context())).toMatchObject({ status: "fail" });
  });
});
