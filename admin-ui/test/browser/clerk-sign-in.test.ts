/// <reference lib="dom" />
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page, Request } from "playwright-core";
import { freePort } from "@rampart/kit/testing";
import { loadConfig } from "../../../gateway/src/config";
import { startGateway, type Gateway } from "../../../gateway/src/server";
import { launchChromium, screenshot, watchProblems } from "./browser";

jest.setTimeout(120_000);

/**
 * The dashboard with CLERK_PUBLISHABLE_KEY set, in Chromium, against an admin gateway started
 * here (the built files; no subgraph is needed before sign-in). Clerk's servers are not reached:
 * the key names a Frontend API under the reserved `.test` domain, and the page's requests to it
 * are recorded and refused here. So this covers what the page does before Clerk answers: Clerk's
 * sign-in path instead of the development one, clerk-js from the dashboard's own bundle (no CDN),
 * the Frontend API origin taken from the key, and a CSP that lets exactly that through. Signing
 * in at Clerk and the token refresh with Clerk's tokens are not covered (they need Clerk).
 */
const frontendApi = "https://clerk.rampart.test";
const publishableKey = `pk_test_${Buffer.from("clerk.rampart.test$").toString("base64")}`;

describe("Clerk sign-in in Chromium (CLERK_PUBLISHABLE_KEY)", () => {
  let tmp: string;
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  let admin: string;
  let problems: ReturnType<typeof watchProblems>;
  const requests: Request[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-clerk-ui-"));
    const port = await freePort();
    admin = `http://127.0.0.1:${port}`;
    [gateway, browser] = await Promise.all([
      startGateway(
        loadConfig({
          NODE_ENV: "development",
          GATEWAY_PROFILE: "admin",
          PORT: String(port),
          ADMIN_ORIGINS: admin,
          LOG_LEVEL: "silent",
          RAMPART_DATA_DIR: tmp,
          CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
            .publicKey.export({ type: "spki", format: "pem" })
            .toString(),
          CLERK_ISSUER: frontendApi,
          CLERK_AUTHORIZED_PARTIES: admin,
          CLERK_PUBLISHABLE_KEY: publishableKey,
        }),
      ),
      launchChromium(),
    ]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
    problems = watchProblems(page);
    page.on("request", (request) => requests.push(request));
    // Clerk's Frontend API, refused here: nothing leaves this machine.
    await page.route(`${frontendApi}/**`, (route) => route.abort("connectionrefused"));
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("shows Clerk's sign-in, not the development one, with clerk-js from the bundle", async () => {
    const answer = await page.goto(`${admin}/`);
    const csp = answer?.headers()["content-security-policy"] ?? "";
    expect(csp).toContain(`connect-src 'self' ${frontendApi}`);
    expect(csp).not.toMatch(/unsafe-eval/);
    await page.getByRole("heading", { name: "Sign in with Clerk" }).waitFor();
    expect(await page.getByRole("heading", { name: "Development sign-in" }).count()).toBe(0);
    expect(await page.getByLabel("User id").count()).toBe(0);
    // Clerk's own sign-in component renders under the CSP (its styles are inline).
    await page.getByLabel("Email address").waitFor();

    // clerk-js asks the Frontend API the key names, and nothing else outside this origin.
    const askedFrontendApi = () =>
      requests.filter((request) => request.url().startsWith(`${frontendApi}/`));
    for (let i = 0; i < 100 && askedFrontendApi().length === 0; i++) await page.waitForTimeout(100);
    expect(askedFrontendApi().map((request) => new URL(request.url()).pathname)).toContainEqual(
      expect.stringMatching(/^\/v1\//),
    );
    await page.screenshot({ path: await screenshotPath(page) });
    const elsewhere = requests
      .map((request) => new URL(request.url()))
      .filter(
        (url) => url.origin !== admin && url.origin !== frontendApi && url.protocol !== "data:",
      );
    expect(elsewhere.map(String)).toEqual([]);
    const scripts = requests.filter((request) => request.resourceType() === "script");
    expect(scripts.map((request) => new URL(request.url()).origin)).toEqual(
      scripts.map(() => admin),
    );
    expect(scripts.some((request) => /\/assets\/ClerkSignIn-[\w-]+\.js$/.test(request.url()))).toBe(
      true,
    );
  });

  it("is refused development tokens, from the page as from anywhere", async () => {
    const status = await page.evaluate(async () => {
      const response = await fetch("/auth/dev-token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ userId: "user_demo_alice", organizationId: "org_rampart_admin" }),
      });
      return { status: response.status, body: await response.text() };
    });
    expect(status.status).toBe(403);
    expect(status.body).toContain("DEV_SIGN_IN_DISABLED");
  });

  it("broke no CSP rule and threw no script error", () => {
    expect(problems.cspViolations).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});

/** Where the Clerk sign-in screenshot goes, next to the dashboard's. */
async function screenshotPath(page: Page): Promise<string> {
  const file = await screenshot(page, "14-clerk-sign-in");
  return path.resolve(__dirname, "..", "..", "test-results", file);
}
