import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadOrCreateDevSecret } from "@rampart/kit";
import { NOTIFICATIONS_DEV_SECRET, parseNotificationsConfig } from "../../src/config";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-notifications-config-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://rampart@db:5432/rampart",
  REDIS_URL: "redis://redis:6379",
  GATEWAY_IDENTITY_PUBLIC_KEY:
    "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\\n-----END PUBLIC KEY-----",
  CLERK_SUPERADMIN_ORG_ID: "org_platform_ops",
  RAMPART_DATA_DIR: dataDir,
  NOTIFICATIONS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

const problemsOf = (environment: Record<string, string>): string[] => {
  try {
    parseNotificationsConfig(environment);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.variable);
  }
};

describe("notifications configuration", () => {
  it("accepts a production configuration with secure channels", () => {
    expect(
      problemsOf({
        ...production,
        SMTP_URL: "smtps://mail.example.com:465",
        ALERT_EMAIL_TO: "oncall@example.com",
        ALERT_WEBHOOK_URL: "https://hooks.example.com/rampart",
        ALERT_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
      }),
    ).toEqual([]);
  });

  it.each([
    ["SMTP_REQUIRE_TLS", { SMTP_REQUIRE_TLS: "false" }],
    ["TWILIO_API_URL", { TWILIO_API_URL: "http://twilio.example.com" }],
    ["ALERT_SLACK_WEBHOOK_URL", { ALERT_SLACK_WEBHOOK_URL: "http://hooks.slack.com/services/x" }],
    [
      "ALERT_WEBHOOK_URL",
      {
        ALERT_WEBHOOK_URL: "http://hooks.example.com/rampart",
        ALERT_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
      },
    ],
  ])("production refuses a clear-text channel: %s", (variable, settings) => {
    expect(problemsOf({ ...production, ...settings })).toEqual([variable]);
  });

  it.each([
    ["SMTP_URL", { ALERT_EMAIL_TO: "oncall@example.com" }],
    ["TWILIO_ACCOUNT_SID", { ALERT_SMS_TO: "+15551234567" }],
    ["ALERT_WEBHOOK_SECRET", { ALERT_WEBHOOK_URL: "https://hooks.example.com/rampart" }],
    ["SMTP_PASSWORD", { SMTP_URL: "smtps://mail.example.com", SMTP_USER: "rampart" }],
    ["ALERT_WEBHOOK_SECRET", { ALERT_WEBHOOK_SECRET: "not-a-secret" }],
    ["DELIVERY_ADDRESS_ALLOWLIST", { DELIVERY_ADDRESS_ALLOWLIST: "not-a-range" }],
  ])("names %s when a channel lacks what it needs", (variable, settings) => {
    expect(problemsOf(settings)).toEqual([variable]);
  });

  it("refuses to start in production without NOTIFICATIONS_ENCRYPTION_KEY", () => {
    const { NOTIFICATIONS_ENCRYPTION_KEY: _key, ...withoutKey } = production;
    expect(problemsOf(withoutKey)).toEqual(["NOTIFICATIONS_ENCRYPTION_KEY"]);
  });

  it("refuses the development NOTIFICATIONS_ENCRYPTION_KEY in production", () => {
    const devKey = loadOrCreateDevSecret(dataDir, NOTIFICATIONS_DEV_SECRET).toString("base64");
    expect(problemsOf({ ...production, NOTIFICATIONS_ENCRYPTION_KEY: devKey })).toEqual([
      "NOTIFICATIONS_ENCRYPTION_KEY",
    ]);
  });

  it("refuses a NOTIFICATIONS_ENCRYPTION_KEY that is not 32 bytes, and runs without one in development", () => {
    expect(
      problemsOf({ NOTIFICATIONS_ENCRYPTION_KEY: randomBytes(16).toString("base64") }),
    ).toEqual(["NOTIFICATIONS_ENCRYPTION_KEY"]);
    expect(
      parseNotificationsConfig({ RAMPART_DATA_DIR: dataDir }).NOTIFICATIONS_ENCRYPTION_KEY,
    ).toBeUndefined();
  });

  it("never puts a secret in its refusal", () => {
    try {
      parseNotificationsConfig({ SMTP_URL: "smtp://mail", SMTP_PASSWORD: "hunter2-secret" });
      throw new Error("accepted");
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2-secret");
    }
  });
});
