import { createClient, type Client } from "graphql-ws";
import type { Document } from "./client";

/** The socket's state, as the header shows it. */
export type LiveStatus =
  | { state: "connecting" }
  | { state: "online" }
  | { state: "offline"; code: number; reason: string; retryAt: number };

/** Options for {@link LiveConnection}. */
export interface LiveConnectionOptions {
  /** `ws(s)://host/graphql`. */
  url: string;
  /** The current `Bearer …` value, read at each (re)connection. */
  authorization: () => string;
  /** First reconnection delay in ms (doubled per failure, up to 30 s, with jitter); default 1000. */
  initialDelayMs?: number;
  onStatus: (status: LiveStatus) => void;
}

interface LiveSubscription {
  query: string;
  variables: () => Record<string, unknown>;
  next: (data: unknown) => void;
  error: (message: string) => void;
  stop?: () => void;
}

/**
 * One graphql-ws socket to the admin gateway that reconnects with exponential backoff and
 * re-subscribes each subscription with fresh variables (so a feed resumes `after` the last
 * event it saw: no gap, no duplicate). The gateway closes sockets on purpose (token expiry,
 * revocation, lockdown): each close is shown, then retried.
 */
export class LiveConnection {
  private client: Client | undefined;
  private socket: WebSocket | undefined;
  private readonly subscriptions = new Set<LiveSubscription>();
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: LiveConnectionOptions) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    this.options.onStatus({ state: "connecting" });
    const client = createClient({
      url: this.options.url,
      lazy: false,
      retryAttempts: 0,
      keepAlive: 10_000,
      connectionParams: () => ({ authorization: this.options.authorization() }),
      on: {
        connected: (socket) => {
          this.socket = socket as WebSocket;
          this.attempts = 0;
          this.options.onStatus({ state: "online" });
          for (const subscription of this.subscriptions) this.start(subscription);
        },
        closed: (event) => {
          if (this.client !== client) return;
          const { code, reason } = event as CloseEvent;
          this.socket = undefined;
          for (const subscription of this.subscriptions) subscription.stop = undefined;
          this.scheduleReconnect(code ?? 0, reason || "connection lost");
        },
      },
    });
    this.client = client;
  }

  private scheduleReconnect(code: number, reason: string): void {
    if (this.closed) return;
    const base = (this.options.initialDelayMs ?? 1000) * 2 ** Math.min(this.attempts, 5);
    const delay = Math.min(30_000, base) * (0.75 + Math.random() * 0.5);
    this.attempts += 1;
    this.options.onStatus({ state: "offline", code, reason, retryAt: Date.now() + delay });
    const previous = this.client;
    this.client = undefined;
    void previous?.dispose();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private start(subscription: LiveSubscription): void {
    if (!this.client || !this.socket) return;
    subscription.stop?.();
    subscription.stop = this.client.subscribe(
      { query: subscription.query, variables: subscription.variables() },
      {
        next: (result) => {
          if (result.errors?.length) subscription.error(result.errors[0].message);
          else if (result.data) subscription.next(result.data);
        },
        error: (error) => {
          if (Array.isArray(error)) subscription.error((error[0] as Error).message);
          // A socket close is reported by `closed` and retried there.
        },
        complete: () => undefined,
      },
    );
  }

  /** Subscribes now (when online) and again after every reconnection; returns the unsubscribe. */
  subscribe<TResult, TVariables extends Record<string, unknown>>(
    document: Document<TResult, TVariables>,
    variables: () => TVariables,
    next: (data: TResult) => void,
    error: (message: string) => void,
  ): () => void {
    const subscription: LiveSubscription = {
      query: document.toString(),
      variables,
      next: next as (data: unknown) => void,
      error,
    };
    this.subscriptions.add(subscription);
    this.start(subscription);
    return () => {
      subscription.stop?.();
      this.subscriptions.delete(subscription);
    };
  }

  /** Re-authenticates the open socket with a refreshed token (the gateway's ping rule). */
  reauthenticate(authorization: string): void {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "ping", payload: { authorization } }));
    }
  }

  /** Reconnects now instead of waiting for the backoff. */
  retryNow(): void {
    if (this.client && this.socket) return;
    clearTimeout(this.timer);
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.stop?.();
    this.subscriptions.clear();
    void this.client?.dispose();
  }
}
