import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { postGraphQL, testServices } from "@rampart/kit/testing";
import { startPlatform, type TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";

jest.setTimeout(180_000);

/**
 * One security alert followed from the refused requests that raise it to an email received by a
 * real SMTP server, through the whole platform: gateway refusals → security events → the alert
 * rules (security subgraph) → `alert.raised` on the event stream → the notifications subgraph's
 * dispatcher → a durable delivery job → SMTP. Runs on PostgreSQL + Redis and on the embedded
 * defaults (PGlite, shared in-memory stores), which run the same jobs.
 */
const services = testServices();
const setups = [services, ...(services.databaseUrl || services.redisUrl ? [{}] : [])].map(
  (setup) => ({
    setup,
    name: `${setup.databaseUrl ? "PostgreSQL" : "PGlite"} and ${setup.redisUrl ? "Redis" : "shared in-memory stores"}`,
  }),
);

describe.each(setups)("security alert to email on $name", ({ setup }) => {
  const mails: { to: string[]; raw: string }[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  let platform: TestPlatform;

  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    platform = await startPlatform(setup, {
      TRUSTED_PROXIES: "127.0.0.1/32",
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_REQUIRE_TLS: "false",
      ALERT_EMAIL_TO: "oncall@rampart.test",
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_POLL_INTERVAL_MS: "500",
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it("emails the alert raised by a burst of refused requests, and records the delivery as sent", async () => {
    const started = Date.now();
    // Six refusals from addresses outside the admin allowlist: more than 5 IP violations in an hour.
    for (let i = 0; i < 6; i++) {
      const refused = await postGraphQL(platform.adminUrl, "{ me { id } }", {
        headers: { "x-forwarded-for": `198.51.100.${i + 1}` },
      });
      expect(refused.status).toBe(403);
    }
    const deadline = Date.now() + 60_000;
    while (!mails.some((mail) => mail.raw.includes("IP violations")) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const mail = mails.find((m) => m.raw.includes("IP violations"));
    expect(mail?.to).toEqual(["oncall@rampart.test"]);
    expect(mail?.raw).toContain("Subject: Security alert (high)");
    process.stdout.write(`refused requests → alert email: ${Date.now() - started} ms\n`);

    const superadmin = await signInSuperadmin(
      platform,
      `user_admin_${randomBytes(3).toString("hex")}`,
    );
    const { body } = await postGraphQL(
      platform.adminUrl,
      "{ organizationNotifications { title severity deliveries { channel destination status attempts sentAt } } }",
      { headers: { authorization: `Bearer ${superadmin}` } },
    );
    expect(body.errors).toBeUndefined();
    const notifications = (
      body.data as {
        organizationNotifications: {
          title: string;
          severity: string;
          deliveries: { channel: string; destination: string; status: string; attempts: number }[];
        }[];
      }
    ).organizationNotifications;
    const alert = notifications.find((n) => n.title === "Security alert (high)");
    expect(alert?.deliveries).toEqual([
      expect.objectContaining({
        channel: "EMAIL",
        destination: "o***@rampart.test",
        status: "SENT",
        attempts: 1,
      }),
    ]);
  });

  it("emails a lockdown switched with the break-glass CLI, as the README shows", async () => {
    platform.rampart("lockdown", "on", "--reason", "alert drill");
    try {
      const deadline = Date.now() + 30_000;
      while (
        !mails.some((mail) => mail.raw.includes("Emergency lockdown activated")) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const mail = mails.find((m) => m.raw.includes("Emergency lockdown activated"));
      expect(mail?.to).toEqual(["oncall@rampart.test"]);
      expect(mail?.raw).toContain("alert drill");
    } finally {
      platform.rampart("lockdown", "off", "--reason", "drill over");
    }
  });
});
