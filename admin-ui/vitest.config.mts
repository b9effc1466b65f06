import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/**
 * Component tests (`npm run test:components`, part of the root `npm test`): the dashboard's
 * components in jsdom with Testing Library, where logic lives in components (form checks,
 * confirmations, the step-up prompt and its retry, backup codes). The browser suite drives the
 * same components in Chromium against the real platform. With `RAMPART_COMPONENT_RESULTS` set
 * (`.ci/run` sets it), Vitest also writes its JSON report there for the CI summary.
 */
const resultsFile = process.env.RAMPART_COMPONENT_RESULTS;

export default defineConfig({
  plugins: [react()],
  test: {
    include: ["test/components/**/*.test.tsx"],
    environment: "jsdom",
    setupFiles: ["test/components/setup.ts"],
    // One worker: the machine is shared, and these take a few seconds in all.
    pool: "threads",
    maxWorkers: 1,
    reporters: resultsFile ? ["default", "json"] : ["default"],
    outputFile: resultsFile ? { json: resultsFile } : undefined,
    restoreMocks: true,
    unstubGlobals: true,
  },
});
