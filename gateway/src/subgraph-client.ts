import { STATUS_CODES } from "node:http";
import type { RemoteGraphQLDataSource } from "@apollo/gateway";
import { Agent, request } from "undici";

/** The HTTP client type `RemoteGraphQLDataSource` takes (`@apollo/utils.fetcher`'s, types only). */
export type Fetcher = NonNullable<
  NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>["fetcher"]
>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse["headers"];

/** Options for {@link createSubgraphClient}. */
export interface SubgraphClientOptions {
  /** Most open connections per subgraph. Default 256. */
  connectionsPerSubgraph?: number;
  /** How long an idle connection is kept open, in ms. Default 30 s. */
  keepAliveTimeoutMs?: number;
  /**
   * Longest wait for a subgraph's response headers, then between body chunks, in ms. Default
   * 30 s: past the gateway's execution timeout, so a slow subgraph cannot hold a connection
   * (and the calls queued behind it) for undici's default five minutes.
   */
  responseTimeoutMs?: number;
  /** Largest subgraph response read, in bytes. Default 64 MiB. */
  maxResponseBytes?: number;
}

/** The gateway's HTTP client to its subgraphs. */
export interface SubgraphClient {
  /** For `RemoteGraphQLDataSource`'s `fetcher` option. */
  readonly fetcher: Fetcher;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/** Response headers as Apollo's data source reads them (`get`, iteration); names lower case. */
class ResponseHeaders implements FetcherHeaders {
  private readonly byName = new Map<string, string>();

  get(name: string): string | null {
    return this.byName.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.byName.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const existing = this.get(name);
    this.set(name, existing === null ? value : `${existing}, ${value}`);
  }
  delete(name: string): void {
    this.byName.delete(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
  keys(): IterableIterator<string> {
    return this.byName.keys();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.byName.entries();
  }
  values(): IterableIterator<string> {
    return this.byName.values();
  }
}

/** A subgraph's answer, read whole, in the shape Apollo's `Fetcher` returns. */
class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: ResponseHeaders,
    private readonly body: string,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get statusText(): string {
    return STATUS_CODES[this.status] ?? "";
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.text());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  clone(): SubgraphResponse {
    return new SubgraphResponse(this.url, this.status, this.headers, this.body);
  }
}

/**
 * Subgraph calls over undici's keep-alive pools (one per subgraph origin), instead of the
 * default `make-fetch-happen` stack of `RemoteGraphQLDataSource`, which builds a stack trace
 * and several request objects for every fetch. No cache, no redirects, no retries: the gateway
 * sends each fetch once, as Apollo's own client does.
 */
export function createSubgraphClient(options: SubgraphClientOptions = {}): SubgraphClient {
  const responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
  const dispatcher = new Agent({
    connections: options.connectionsPerSubgraph ?? 256,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    headersTimeout: responseTimeoutMs,
    bodyTimeout: responseTimeoutMs,
    maxResponseSize: options.maxResponseBytes ?? 64 * 1024 * 1024,
  });
  const fetcher: Fetcher = async (url, init = {}) => {
    const response = await request(url, {
      dispatcher,
      method: (init.method ?? "GET") as "GET" | "POST",
      headers: init.headers,
      body: init.body,
      signal: init.signal as AbortSignal | undefined,
    });
    const headers = new ResponseHeaders();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    return new SubgraphResponse(url, response.statusCode, headers, await response.body.text());
  };
  return { fetcher, close: () => dispatcher.close() };
}
