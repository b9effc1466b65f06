import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** One subscription's outcome so far. */
export interface LiveSubscription<T = Record<string, unknown>> {
  /** Every `next` payload, in order. */
  readonly results: FormattedExecutionResult<T, unknown>[];
  /** Set when the server sent `error` (its errors) or the socket closed (the close). */
  readonly failure: () => unknown;
  /** Whether the server sent `complete`. */
  readonly completed: () => boolean;
  /** Resolves once `count` results arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<FormattedExecutionResult<T, unknown>[]>;
  /** Resolves when the subscription failed or completed. */
  ended(timeoutMs?: number): Promise<void>;
  /** Completes it from the client side. */
  stop(): void;
}

/** A graphql-ws socket as a dashboard would open it, with what happened to it. */
export interface LiveSocket {
  readonly client: Client;
  /** Resolves with the close code and reason when the socket closes. */
  readonly closed: Promise<Closed>;
  /** Resolves when the server acknowledged `connection_init`. */
  readonly connected: Promise<void>;
  subscribe<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): LiveSubscription<T>;
  /** Re-authenticates the open socket: a graphql-ws `ping` carrying a fresh token. */
  reauthenticate(authorization: string): void;
  dispose(): Promise<void>;
}

/** Opens a socket to `url` (http(s) or ws(s)), sending `authorization` in `connectionParams`. */
export function openLiveSocket(
  url: string,
  options: { authorization?: string; headers?: Record<string, string> } = {},
): LiveSocket {
  let resolveClosed!: (closed: Closed) => void;
  let resolveConnected!: () => void;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  const headers = options.headers;
  let openSocket: WebSocket | undefined;
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: options.authorization ? { authorization: options.authorization } : {},
    on: {
      connected: (socket) => {
        openSocket = socket as WebSocket;
        resolveConnected();
      },
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        resolveClosed({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    closed,
    connected,
    reauthenticate(authorization) {
      if (!openSocket) throw new Error("the socket is not connected yet");
      openSocket.send(JSON.stringify({ type: "ping", payload: { authorization } }));
    },
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const results: FormattedExecutionResult<T, unknown>[] = [];
      let failure: unknown;
      let completed = false;
      let wake = () => {};
      const changed = () => wake();
      const stop = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            results.push(result);
            changed();
          },
          error: (error) => {
            failure = error;
            changed();
          },
          complete: () => {
            completed = true;
            changed();
          },
        },
      );
      const until = (done: () => boolean, timeoutMs: number, what: string) =>
        new Promise<void>((resolve, reject) => {
          if (done()) return resolve();
          const timer = setTimeout(
            () =>
              reject(
                new Error(
                  `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(results)} ${JSON.stringify(failure)}`,
                ),
              ),
            timeoutMs,
          );
          wake = () => {
            if (!done()) return;
            clearTimeout(timer);
            resolve();
          };
        });
      return {
        results,
        failure: () => failure,
        completed: () => completed,
        async waitFor(count, timeoutMs = 10_000) {
          await until(() => results.length >= count, timeoutMs, `${count} results`);
          return results;
        },
        ended: (timeoutMs = 10_000) =>
          until(() => failure !== undefined || completed, timeoutMs, "the end"),
        stop,
      };
    },
    dispose: () => Promise.resolve(client.dispose()),
  };
}

/** Security events as a dashboard follows them: resuming after the last one on any interruption. */
export interface EventFollower {
  /** Events received, in order. */
  readonly events: { id: string; type: string; reason: string }[];
  /** Interruptions survived (socket closes, feed errors), with their codes. */
  readonly interruptions: string[];
  /** Resolves once `predicate` holds (rejects after `timeoutMs`). */
  until(predicate: () => boolean, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows `securityEvents(filter: {types})` on the admin gateway with a fresh socket after each
 * interruption, passing `after` = the last event id seen, as the README's example does.
 */
export function followSecurityEvents(
  adminUrl: string,
  authorization: string,
  types: string[],
): EventFollower {
  const events: EventFollower["events"] = [];
  const interruptions: string[] = [];
  let socket: LiveSocket | undefined;
  let stopped = false;
  const query = `subscription($filter: SecurityEventFilter, $after: ID) {
    securityEvents(filter: $filter, after: $after) { id type reason }
  }`;
  const follow = () => {
    if (stopped) return;
    const current = openLiveSocket(adminUrl, { authorization });
    socket = current;
    let resumed = false;
    const resume = (why: string) => {
      if (resumed || stopped) return;
      resumed = true;
      interruptions.push(why);
      void current.dispose();
      setTimeout(follow, 500);
    };
    void current.closed.then((closed) => resume(`close ${closed.code} ${closed.reason}`));
    current.client.subscribe<{ securityEvents: EventFollower["events"][number] }>(
      { query, variables: { filter: { types }, after: events.at(-1)?.id } },
      {
        next: ({ data, errors }) => {
          if (errors) return resume(`errors ${JSON.stringify(errors)}`);
          if (data) events.push(data.securityEvents);
        },
        error: (error) =>
          resume(`error ${JSON.stringify(Array.isArray(error) ? error : String(error))}`),
        complete: () => resume("complete"),
      },
    );
  };
  follow();
  return {
    events,
    interruptions,
    async until(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out: ${events.length} events, interruptions ${JSON.stringify(interruptions)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      stopped = true;
      await socket?.dispose();
    },
  };
}
