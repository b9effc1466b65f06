import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";

/** A mail received by the local SMTP peer. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on a free port (the `smtp-server` package), keeping what it receives. */
export interface SmtpPeer {
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Resolves with the first mail `match` accepts, received within `timeoutMs`. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Starts an SMTP peer; `credentials` makes it require AUTH PLAIN/LOGIN with them. */
export async function startSmtpPeer(credentials?: {
  user: string;
  pass: string;
}): Promise<SmtpPeer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: credentials ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !credentials,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
        return callback(null, { user: auth.username });
      }
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitFor: (match, timeoutMs = 20_000) => poll(() => mails.find(match), timeoutMs, "an email"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One request an HTTP peer received. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** How the peer answers one request: a status and body, or hanging for `delayMs` first. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly body?: string;
  readonly delayMs?: number;
}

/**
 * A local HTTP server speaking the providers' shapes: Twilio's Messages API (basic auth, form
 * body, `{ sid }` answer), a Slack incoming webhook (`ok`) and a Standard Webhooks receiver that
 * verifies the signature and honours `webhook-id` as an idempotency key. Answers can be
 * scripted per path (first in, first out) to simulate failures.
 */
export interface HttpPeer {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Webhook ids processed (after signature checks and deduplication), in order. */
  readonly processedWebhooks: string[];
  /** Webhook ids received again after they were processed (and not processed again). */
  readonly duplicateWebhooks: string[];
  /**
   * Signing secrets by request path, for the webhooks at that path (each destination its own
   * receiver with its own secret); other paths verify with `webhookSecret`. Changeable.
   */
  readonly webhookSecrets: Map<string, string>;
  /** Queues answers for requests to `path`. */
  script(path: string, ...answers: ScriptedAnswer[]): void;
  /** Called when a request arrives, before it is answered. */
  onRequest?: (request: ReceivedRequest) => void;
  close(): Promise<void>;
}

/** Starts an HTTP peer; `webhookSecret` verifies webhook signatures; `twilio` the basic auth. */
export async function startHttpPeer(options: {
  webhookSecret?: string;
  twilio?: { accountSid: string; authToken: string };
  host?: string;
  /** Port to listen on; default a free one. */
  port?: number;
}): Promise<HttpPeer> {
  const scripts = new Map<string, ScriptedAnswer[]>();
  const requests: ReceivedRequest[] = [];
  const processedWebhooks: string[] = [];
  const duplicateWebhooks: string[] = [];
  const webhookSecrets = new Map<string, string>();
  let twilioCount = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(request);
      peer.onRequest?.(request);
      const scripted = scripts.get(request.path)?.shift();
      const answer = (status: number, body: string, type = "application/json") => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": type }).end(body);
      };
      const respond = () => {
        if (scripted && scripted.status !== 200) {
          return answer(scripted.status, scripted.body ?? "{}");
        }
        if (request.path.startsWith("/2010-04-01/Accounts/")) {
          const expected = options.twilio
            ? `Basic ${Buffer.from(`${options.twilio.accountSid}:${options.twilio.authToken}`).toString("base64")}`
            : null;
          if (req.headers.authorization !== expected) {
            return answer(
              401,
              JSON.stringify({ code: 20003, message: "Authenticate", status: 401 }),
            );
          }
          twilioCount += 1;
          const form = new URLSearchParams(request.body);
          return answer(
            201,
            JSON.stringify({
              sid: `SM${twilioCount.toString().padStart(32, "0")}`,
              status: "queued",
              to: form.get("To"),
              from: form.get("From"),
              body: form.get("Body"),
            }),
          );
        }
        if (request.path.startsWith("/slack")) return answer(200, "ok", "text/plain");
        if (request.path.startsWith("/webhook")) return answer(204, "");
        return answer(404, "{}");
      };
      if (request.path.startsWith("/webhook")) {
        try {
          const secret = webhookSecrets.get(request.path) ?? options.webhookSecret ?? "";
          new Webhook(secret).verify(request.body, {
            "webhook-id": String(req.headers["webhook-id"]),
            "webhook-timestamp": String(req.headers["webhook-timestamp"]),
            "webhook-signature": String(req.headers["webhook-signature"]),
          });
        } catch {
          return answer(401, JSON.stringify({ error: "bad signature" }));
        }
        // Processed on arrival when it will be accepted (even if the answer is slow); a message
        // id seen before is acknowledged and not processed again (idempotency).
        if (!scripted || scripted.status === 200) {
          const id = String(req.headers["webhook-id"]);
          if (processedWebhooks.includes(id)) duplicateWebhooks.push(id);
          else processedWebhooks.push(id);
        }
      }
      if (scripted?.delayMs) timers.add(setTimeout(respond, scripted.delayMs));
      else respond();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = server.address() as AddressInfo;
  const host = (options.host ?? "127.0.0.1").includes(":")
    ? `[${options.host}]`
    : (options.host ?? "127.0.0.1");
  const peer: HttpPeer = {
    url: `http://${host}:${port}`,
    port,
    requests,
    processedWebhooks,
    duplicateWebhooks,
    webhookSecrets,
    script(path, ...answers) {
      scripts.set(path, [...(scripts.get(path) ?? []), ...answers]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return peer;
}

/** Polls `read` until it returns a value, or rejects after `timeoutMs`. */
export async function poll<T>(
  read: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = "a condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
