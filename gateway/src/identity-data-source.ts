import type { KeyObject } from "node:crypto";
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ErrorCode, IDENTITY_HEADER, RampartError, signIdentity } from "@rampart/kit";
import type { GraphQLError } from "graphql";
import type { GatewayContext } from "./context";
import type { Fetcher } from "./subgraph-client";

/** Options for {@link IdentityDataSource}. */
export interface IdentityDataSourceOptions {
  /** Subgraph name: the audience of the assertions this source signs. */
  name: string;
  /** Subgraph endpoint. */
  url: string;
  /** The gateway's Ed25519 private key. */
  privateKey: KeyObject;
  /** The HTTP client (see `createSubgraphClient`); Apollo's default when absent. */
  fetcher?: Fetcher;
}

/**
 * Calls one subgraph, attaching an identity assertion signed for that subgraph alone and for
 * this fetch's operation alone: Apollo calls `willSendRequest` once per fetch (and never retries
 * one), so each fetch carries a fresh, single-use assertion, `_entities` fetches included.
 */
export class IdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly audience: string;
  private readonly privateKey: KeyObject;

  constructor(options: IdentityDataSourceOptions) {
    super({ url: options.url, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
    this.audience = options.name;
    this.privateKey = options.privateKey;
  }

  /**
   * A subgraph that refuses a call before running it (its identity check: 401, or 503 while
   * its stores are down) answers with one typed error. Apollo keeps only 401 and 403 as codes;
   * this keeps the subgraph's own code and message, so the client gets SERVICE_UNAVAILABLE
   * (503) rather than a masked internal error with status 200.
   */
  override async errorFromResponse(
    response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0],
  ): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const { body } = (error.extensions.response ?? {}) as { body?: unknown };
    const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] })
      ?.errors?.[0];
    const code = first?.extensions?.code;
    return typeof code === "string" &&
      (Object.values(ErrorCode) as string[]).includes(code) &&
      typeof first?.message === "string"
      ? new RampartError(code as ErrorCode, first.message)
      : error;
  }

  override async willSendRequest({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Requests without a caller (none today) carry no assertion and are refused by the subgraph.
    const identity = "identity" in context ? context.identity : undefined;
    if (!identity) return;
    // Bound to what `sendRequest` serializes next: query, variables, operationName, extensions.
    request.http?.headers.set(
      IDENTITY_HEADER,
      signIdentity(identity, this.audience, this.privateKey, request),
    );
  }
}
