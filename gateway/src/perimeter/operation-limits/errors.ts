import { ErrorCode, RampartError } from "@rampart/kit";

/** The codes an operation limit refuses with: a subset of kit's public {@link ErrorCode}. */
export type OperationLimitCode =
  | typeof ErrorCode.RequestTooLarge
  | typeof ErrorCode.BadRequestBody
  | typeof ErrorCode.UnsupportedMediaType
  | typeof ErrorCode.OperationResolutionFailure
  | typeof ErrorCode.BadRequest
  | typeof ErrorCode.BadUserInput
  | typeof ErrorCode.BatchingDisabled
  | typeof ErrorCode.CsrfPrevented
  | typeof ErrorCode.MethodNotAllowed
  | typeof ErrorCode.QueryTooDeep
  | typeof ErrorCode.TooManyAliases
  | typeof ErrorCode.TooManyDirectives
  | typeof ErrorCode.TooManyTokens
  | typeof ErrorCode.QueryTooComplex
  | typeof ErrorCode.IntrospectionDisabled
  | typeof ErrorCode.ExecutionTimeout;

/** A refusal by an operation limit, carrying `extensions.code` and `extensions.http.status`. */
export class OperationLimitError extends RampartError {
  declare readonly code: OperationLimitCode;

  constructor(code: OperationLimitCode, message: string) {
    super(code, message);
  }

  /** The body is larger than `maxBytes`. */
  static requestTooLarge(maxBytes: number): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.RequestTooLarge,
      `The request body is larger than ${maxBytes} bytes.`,
    );
  }

  /** The body could not be read as JSON; `reason` says why (default: not valid JSON). */
  static badRequestBody(reason = "The request body is not valid JSON."): OperationLimitError {
    return new OperationLimitError(ErrorCode.BadRequestBody, reason);
  }

  /** The body is not JSON in UTF-8, or its `Content-Type` is ambiguous; `reason` says which. */
  static unsupportedMediaType(reason: string): OperationLimitError {
    return new OperationLimitError(ErrorCode.UnsupportedMediaType, reason);
  }

  /** No operation to run: `operationName` names none, or several are sent and none named. */
  static operationNotResolved(operationName: string | undefined): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.OperationResolutionFailure,
      operationName === undefined
        ? "The document holds several operations: name the one to run in operationName."
        : "operationName names no operation in the document.",
    );
  }

  /** A subscription sent over HTTP, which carries queries and mutations only. */
  static subscriptionOverHttp(): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.BadRequest,
      "Subscriptions are served over WebSocket (graphql-ws), not over HTTP.",
    );
  }

  /** A variable the operation does not declare (its name is not echoed: it is client text). */
  static undeclaredVariable(): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.BadUserInput,
      "The request sends a variable the operation does not declare.",
    );
  }

  /** Text no database can store: U+0000 or a lone UTF-16 surrogate (the text is not echoed). */
  static unstorableText(): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.BadUserInput,
      "Text in the request holds a NUL character (U+0000) or a lone UTF-16 surrogate, which are not accepted.",
    );
  }

  /** The body is a batch. */
  static batchingDisabled(): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.BatchingDisabled,
      "Batched operations are not accepted: send one operation per request.",
    );
  }

  /** A request a browser could send cross-site without a preflight. */
  static csrfPrevented(headers: readonly string[]): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.CsrfPrevented,
      "This request has been blocked as a potential cross-site request forgery: send it with " +
        `Content-Type: application/json, or with a non-empty ${headers.join(" or ")} header.`,
    );
  }

  /** Introspection asked by a caller who may not introspect. */
  static introspectionDisabled(): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.IntrospectionDisabled,
      "Introspection is not allowed.",
    );
  }

  /** Execution took longer than `timeoutMs`. */
  static executionTimeout(timeoutMs: number): OperationLimitError {
    return new OperationLimitError(
      ErrorCode.ExecutionTimeout,
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
