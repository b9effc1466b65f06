// Test snippet for .semgrep/rampart.yml in Semgrep's test-annotation format: the line after
// `ruleid:` must be reported by that rule, the line after `ok:` must not. The ESLint
// equivalents are checked against the same annotations (tools/test/unit/security-rules.test.ts).
// Never imported or compiled: it only has to parse.
import https from "node:https";
import type { Client } from "pg";
import type { Logger } from "pino";

declare const logger: Logger;
declare const runtime: { logger: Logger };
declare const db: Client;
declare const session: { token: string; id: string; userId: string };
declare const request: { headers: { authorization?: string } };
declare const userId: string;
declare const organizationId: string;
declare const html: string;
declare const totpSecret: string;

export function logging(password: string, apiKey: string): void {
  // ruleid: rampart-secret-in-log
  logger.info({ token: session.token }, "session opened");
  // ruleid: rampart-secret-in-log
  runtime.logger.warn({ authorization: request.headers.authorization }, "refused");
  // ruleid: rampart-secret-in-log
  console.log("login", password);
  // ruleid: rampart-secret-in-log
  logger.error({ apiKey }, "provider refused the key");
  // ruleid: rampart-secret-in-log
  logger.debug({ secret: totpSecret }, "enrolled");
  // ok: rampart-secret-in-log
  logger.info({ sessionId: session.id, userId: session.userId }, "session opened");
  // ok: rampart-secret-in-log
  logger.warn({ tokens: 1200, limit: 1000 }, "operation refused: too many tokens");
  // ok: rampart-secret-in-log
  console.log("refused an expired token");
}

export async function queries(): Promise<void> {
  // ruleid: rampart-sql-from-strings
  await db.query(`select * from users where id = '${userId}'`);
  // ruleid: rampart-sql-from-strings
  await db.query("select * from orders where organization_id = '" + organizationId + "'");
  // ok: rampart-sql-from-strings
  await db.query("select * from users where id = $1", [userId]);
  // ok: rampart-sql-from-strings
  await db.query(`select count(*) from users`);
}

export function Rendered(): JSX.Element {
  return (
    <section>
      {/* ruleid: rampart-dangerously-set-inner-html */}
      <div dangerouslySetInnerHTML={{ __html: html }} />
      {/* ok: rampart-dangerously-set-inner-html */}
      <div>{html}</div>
    </section>
  );
}

export function tls(): void {
  // ruleid: rampart-tls-verification-disabled
  https.request("https://provider.example", { method: "POST", rejectUnauthorized: false });
  // ruleid: rampart-tls-verification-disabled
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  // ok: rampart-tls-verification-disabled
  https.request("https://provider.example", { rejectUnauthorized: true });
}
