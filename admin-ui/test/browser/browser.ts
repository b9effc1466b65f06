import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium: `apt-get install -y chromium` (`.ci/run` does it); never `playwright install`. */
export const chromiumPath = "/usr/bin/chromium";

/** Where screenshots and measurements go (gitignored). */
export const resultsDir = path.resolve(__dirname, "..", "..", "test-results");

/** Launches Debian's Chromium headless, with the flags a CI container needs. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: apt-get install -y chromium (.ci/run installs it)`,
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Records what a page must never show: CSP violations and script errors (console errors other
 * than the refusals our own requests provoke on purpose).
 */
export function watchProblems(page: Page): { cspViolations: string[]; pageErrors: string[] } {
  const problems = { cspViolations: [] as string[], pageErrors: [] as string[] };
  page.on("console", (message) => {
    if (
      /Content Security Policy|Refused to (load|execute|apply|connect|create)/i.test(message.text())
    ) {
      problems.cspViolations.push(message.text());
    }
  });
  page.on("pageerror", (error) => problems.pageErrors.push(error.message));
  return problems;
}

/** Saves a full-page screenshot as `test-results/<name>.png`; returns the file name. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = `${name}.png`;
  await page.screenshot({ path: path.join(resultsDir, file), fullPage: true });
  return file;
}
