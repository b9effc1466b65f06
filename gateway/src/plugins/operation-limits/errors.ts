import { GraphQLError } from "graphql";

/** Error codes of operation-limit refusals (`extensions.code`), the public contract. */
export const OperationLimitCode = {
  /** The body is larger than the cap (413). */
  RequestTooLarge: "REQUEST_TOO_LARGE",
  /** The body is not readable JSON (400). */
  BadRequestBody: "BAD_REQUEST_BODY",
  /** The body is an array of operations (400). */
  BatchingDisabled: "BATCHING_DISABLED",
  /** A simple (non-preflighted) request without a CSRF-prevention header (400). */
  CsrfPrevented: "CSRF_PREVENTED",
  /** A mutation (or subscription) sent with GET (405, as the GraphQL-over-HTTP spec requires). */
  MethodNotAllowed: "METHOD_NOT_ALLOWED",
  /** Selections nest deeper than the limit (400). */
  QueryTooDeep: "QUERY_TOO_DEEP",
  /** More aliases than the limit (400). */
  TooManyAliases: "TOO_MANY_ALIASES",
  /** More directives than the limit (400). */
  TooManyDirectives: "TOO_MANY_DIRECTIVES",
  /** More lexical tokens than the limit (400). */
  TooManyTokens: "TOO_MANY_TOKENS",
  /** Estimated cost above the limit (400). */
  QueryTooComplex: "QUERY_TOO_COMPLEX",
  /** `__schema` or `__type` asked by a caller who may not introspect (400). */
  IntrospectionDisabled: "INTROSPECTION_DISABLED",
  /** Execution ran past the deadline (400). */
  ExecutionTimeout: "EXECUTION_TIMEOUT",
} as const;

/** One of the {@link OperationLimitCode} values. */
export type OperationLimitCode = (typeof OperationLimitCode)[keyof typeof OperationLimitCode];

/** HTTP status for each code. */
export const operationLimitStatus: Readonly<Record<OperationLimitCode, number>> = Object.freeze({
  REQUEST_TOO_LARGE: 413,
  BAD_REQUEST_BODY: 400,
  BATCHING_DISABLED: 400,
  CSRF_PREVENTED: 400,
  METHOD_NOT_ALLOWED: 405,
  QUERY_TOO_DEEP: 400,
  TOO_MANY_ALIASES: 400,
  TOO_MANY_DIRECTIVES: 400,
  TOO_MANY_TOKENS: 400,
  QUERY_TOO_COMPLEX: 400,
  INTROSPECTION_DISABLED: 400,
  EXECUTION_TIMEOUT: 400,
});

/** Every operation-limit code, for `formatError` to let them through unmasked. */
export const operationLimitCodes: ReadonlySet<string> = new Set(Object.values(OperationLimitCode));

/** A refusal by an operation limit, carrying `extensions.code` and `extensions.http.status`. */
export class OperationLimitError extends GraphQLError {
  /** The public code. */
  readonly code: OperationLimitCode;

  constructor(code: OperationLimitCode, message: string) {
    super(message, { extensions: { code, http: { status: operationLimitStatus[code] } } });
    this.code = code;
  }

  /** The body is larger than `maxBytes`. */
  static requestTooLarge(maxBytes: number): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.RequestTooLarge,
      `The request body is larger than ${maxBytes} bytes.`,
    );
  }

  /** The body could not be read as JSON. */
  static badRequestBody(): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.BadRequestBody,
      "The request body is not valid JSON.",
    );
  }

  /** The body is a batch. */
  static batchingDisabled(): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.BatchingDisabled,
      "Batched operations are not accepted: send one operation per request.",
    );
  }

  /** A request a browser could send cross-site without a preflight. */
  static csrfPrevented(headers: readonly string[]): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.CsrfPrevented,
      "This request has been blocked as a potential cross-site request forgery: send it with " +
        `Content-Type: application/json, or with a non-empty ${headers.join(" or ")} header.`,
    );
  }

  /** Introspection asked by a caller who may not introspect. */
  static introspectionDisabled(): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.IntrospectionDisabled,
      "Introspection is not allowed.",
    );
  }

  /** Execution took longer than `timeoutMs`. */
  static executionTimeout(timeoutMs: number): OperationLimitError {
    return new OperationLimitError(
      OperationLimitCode.ExecutionTimeout,
      `The operation did not complete within ${timeoutMs} ms.`,
    );
  }
}

/** The operation-limit error behind `error` (itself, or one it wraps), if any. */
export function operationLimitErrorIn(error: unknown): OperationLimitError | undefined {
  for (let current = error, hops = 0; current instanceof Error && hops < 5; hops++) {
    if (current instanceof OperationLimitError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}
