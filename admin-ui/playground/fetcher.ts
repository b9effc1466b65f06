import type { GraphiQLProps } from "graphiql";
import { createClient, type Client } from "graphql-ws";

type Fetcher = GraphiQLProps["fetcher"];
type FetcherParams = Parameters<Fetcher>[0];
type FetcherOptions = Parameters<Fetcher>[1];

/** Options for {@link createPlaygroundFetcher}. */
export interface PlaygroundFetcherOptions {
  /** The GraphQL endpoint (`http(s)://…/graphql`). */
  url: string;
  /** The graphql-ws endpoint, or null on a profile without subscriptions. */
  subscriptionsUrl: string | null;
}

/** The `authorization` header from the headers panel, whatever its case. */
function authorizationOf(headers: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === "authorization" && typeof value === "string") return value;
  }
  return undefined;
}

function definesOperation(query: string, name: string): boolean {
  const escaped = name.replace(/[^A-Za-z0-9_]/g, "");
  return new RegExp(`\\b(query|mutation|subscription)\\s+${escaped}\\b`).test(query);
}

function isSubscription(params: FetcherParams): boolean {
  const query = params.query.replace(/#[^\n]*/g, "");
  const named = params.operationName
    ? new RegExp(`subscription\\s+${params.operationName}\\b`).test(query)
    : false;
  return named || /^\s*subscription\b/.test(query);
}

/**
 * GraphiQL's fetcher: queries and mutations over HTTP POST with the headers panel's headers;
 * subscriptions over graphql-ws, with the panel's `authorization` as `connectionParams` (the
 * gateway's socket contract). One socket per token, reopened when the token changes.
 */
export function createPlaygroundFetcher(options: PlaygroundFetcherOptions): Fetcher {
  let socket: { client: Client; authorization: string | undefined } | undefined;
  const socketFor = (authorization: string | undefined): Client => {
    if (socket && socket.authorization === authorization) return socket.client;
    void socket?.client.dispose();
    const client = createClient({
      url: options.subscriptionsUrl as string,
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
      retryAttempts: 0,
    });
    socket = { client, authorization };
    return client;
  };

  return (given: FetcherParams, fetcherOptions?: FetcherOptions) => {
    // GraphiQL may send the operation name of the text before the last keystroke: drop a name
    // the document does not define rather than have the gateway refuse the request.
    const params =
      given.operationName && !definesOperation(given.query, given.operationName)
        ? { ...given, operationName: null }
        : given;
    const headers = (fetcherOptions?.headers ?? {}) as Record<string, string>;
    if (options.subscriptionsUrl && isSubscription(params)) {
      const client = socketFor(authorizationOf(headers));
      return client.iterate({
        query: params.query,
        variables: params.variables ?? undefined,
        operationName: params.operationName ?? undefined,
      }) as unknown as ReturnType<Fetcher>;
    }
    return fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify(params),
    }).then((response) => response.json());
  };
}
