import { createClient, type Client, type ExecutionResult } from "graphql-ws";
import WebSocket from "ws";

/** How a socket closed. */
export interface Closed {
  code: number;
  reason: string;
}

/** One subscription's outcome so far. */
export interface LiveSubscription<T = Record<string, unknown>> {
  /** Every `next` payload, in order. */
  readonly results: ExecutionResult<T>[];
  /** Set when the server sent `error` (its errors) or the socket closed (the close). */
  readonly failure: () => unknown;
  /** Whether the server sent `complete`. */
  readonly completed: () => boolean;
  /** Resolves once `count` results arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
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
      connected: () => resolveConnected(),
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
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const results: ExecutionResult<T>[] = [];
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
