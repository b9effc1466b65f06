import type { KeyObject } from "node:crypto";
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ErrorCode, IDENTITY_HEADER, signIdentity, type IdentitySigner } from "@rampart/kit";
import { GraphQLError } from "graphql";
import type { GatewayContext } from "./context";
import type { Fetcher } from "./subgraph-client";

/** Options for {@link IdentityDataSource}. */
export interface IdentityDataSourceOptions {
  /** Subgraph name: the audience of the assertions this source signs. */
  name: string;
  /** Subgraph endpoint. */
  url: string;
  /** The gateway's Ed25519 private key, or its signer that follows key rotations. */
  privateKey: KeyObject | IdentitySigner;
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
  private readonly privateKey: KeyObject | IdentitySigner;

  constructor(options: IdentityDataSourceOptions) {
    super({ url: options.url, ...(options.fetcher ? { fetcher: options.fetcher } : {}) });
    this.audience = options.name;
    this.privateKey = options.privateKey;
  }

  /**
   * A subgraph that cannot take a call while its stores are down answers 503 with a typed
   * `SERVICE_UNAVAILABLE`; Apollo would turn that into an untyped error the gateway masks
   * (status 200). This keeps the code, with no status of its own, so the gateway's error-status
   * rule decides: 503 when nothing was answered, 200 with the partial result otherwise. Every
   * other failure keeps Apollo's error, without the subgraph's URL and body (`response`).
   */
  override async errorFromResponse(
    response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0],
  ): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const { response: answered, ...extensions } = error.extensions as { response?: unknown };
    const first = (answered as { body?: { errors?: { extensions?: { code?: unknown } }[] } })?.body
      ?.errors?.[0];
    if (first?.extensions?.code === ErrorCode.ServiceUnavailable) {
      return new GraphQLError("A service is unavailable. Try again shortly.", {
        extensions: { code: ErrorCode.ServiceUnavailable },
      });
    }
    return new GraphQLError(error.message, { extensions });
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
