/**
 * Jest runs every workspace's tests in three tiers: unit (in process), integration (real
 * servers, Postgres, Redis), e2e (the whole platform); and the attack suite (hostile clients
 * against the whole platform, docs/security/attack-suite.md) as a project of its own:
 * `npx jest --selectProjects attacks`; and the browser suite (the admin dashboard and GraphiQL in
 * Debian's Chromium, driven by playwright-core): `npx jest --selectProjects browser`.
 */
const esmOnly = [
  "jose",
  "@electric-sql",
  "otplib",
  "@otplib",
  "@scure",
  "@noble",
  // pg-boss and its ESM-only dependencies.
  "pg-boss",
  "rrule-temporal",
  "temporal-spec",
  "serialize-error",
  "non-error",
].join("|");

const swc = [
  "@swc/jest",
  {
    jsc: {
      parser: { syntax: "typescript", decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: "es2022",
    },
    module: { type: "commonjs" },
  },
];

const tier = (name) => ({
  displayName: name,
  testMatch: [`<rootDir>/{packages,subgraphs,gateway,tools,admin-ui}/**/test/${name}/**/*.test.ts`],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  transform: { "^.+\\.(t|j|mj|cj)s$": swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  setupFiles: ["reflect-metadata"],
  moduleNameMapper: {
    "^@rampart/kit$": "<rootDir>/packages/kit/src/index.ts",
    "^@rampart/kit/subgraph$": "<rootDir>/packages/kit/src/subgraph/index.ts",
    "^@rampart/kit/stores$": "<rootDir>/packages/kit/src/stores/index.ts",
    "^@rampart/kit/testing$": "<rootDir>/packages/kit/src/testing/index.ts",
    "^@rampart/kit/tools$": "<rootDir>/packages/kit/src/tools/index.ts",
  },
  testEnvironment: "node",
});

module.exports = {
  globalSetup: "<rootDir>/packages/kit/test/global-setup.js",
  // Integration and e2e tests start servers and databases; e2e files raise it further.
  testTimeout: 60_000,
  projects: [tier("unit"), tier("integration"), tier("e2e"), tier("attacks"), tier("browser")],
};
