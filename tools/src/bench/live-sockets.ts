import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";

/** What a bench subscriber saw: each result with the time it arrived, and its failure. */
export interface BenchSubscription {
  /** Results in arrival order, each with `performance.now()` taken before anything else. */
  readonly received: {
    at: number;
    result: FormattedExecutionResult<Record<string, unknown>, unknown>;
  }[];
  /** The server's errors or the socket's close, when the subscription ended badly. */
  failure: unknown;
  /** Whether the server completed it. */
  completed: boolean;
}

/** A graphql-ws socket opened by a benchmark. */
export interface BenchSocket {
  readonly client: Client;
  /** Resolves on `connection_ack`; rejects when the socket closes first. */
  readonly connected: Promise<void>;
  /** Starts a subscription; `onResult` runs on every `next`, after its arrival time is taken. */
  subscribe(
    query: string,
    variables: Record<string, unknown>,
    onResult?: (
      at: number,
      result: FormattedExecutionResult<Record<string, unknown>, unknown>,
    ) => void,
  ): BenchSubscription;
  dispose(): Promise<void>;
}

/**
 * Opens a graphql-ws socket as a dashboard would (graphql-ws client, `ws` on Node 20), with
 * `connectionParams`; no retries, so a refused or dropped socket shows up as a failure.
 */
export function openBenchSocket(
  url: string,
  connectionParams: Record<string, unknown>,
): BenchSocket {
  let resolveConnected!: () => void;
  let rejectConnected!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    resolveConnected = resolve;
    rejectConnected = reject;
  });
  // Callers may never await it (a socket that is only disposed).
  connected.catch(() => undefined);
  const client = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        rejectConnected(new Error(`socket closed before connection_ack: ${code} ${reason}`));
      },
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    connected,
    subscribe(query, variables, onResult) {
      const subscription: BenchSubscription = {
        received: [],
        failure: undefined,
        completed: false,
      };
      client.subscribe<Record<string, unknown>>(
        { query, variables },
        {
          next: (result) => {
            const at = performance.now();
            subscription.received.push({ at, result });
            onResult?.(at, result);
          },
          error: (error) => {
            subscription.failure = error;
          },
          complete: () => {
            subscription.completed = true;
          },
        },
      );
      return subscription;
    },
    dispose: () => Promise.resolve(client.dispose()),
  };
}
