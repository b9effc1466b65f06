import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";

/** Error codes clients may rely on (`extensions.code`), with the HTTP status each maps to. */
export const ErrorCode = {
  /** No valid credentials: a bad token, a missing or forged identity assertion. */
  Unauthenticated: "UNAUTHENTICATED",
  /** Credentials are valid but do not grant this. */
  Forbidden: "FORBIDDEN",
  /** A second factor must be verified (again, within the step-up window) before this. */
  StepUpRequired: "STEP_UP_REQUIRED",
  /** Too many attempts; `extensions.retryAfterSeconds` says when to try again. */
  TooManyAttempts: "TOO_MANY_ATTEMPTS",
  /** The input is malformed or out of range. */
  BadUserInput: "BAD_USER_INPUT",
  /** The thing asked for does not exist (or is not visible to the caller). */
  NotFound: "NOT_FOUND",
  /** A dependency the request needs is down; security checks fail closed. */
  ServiceUnavailable: "SERVICE_UNAVAILABLE",
  /** The client IP is not on the allowlist. */
  IpNotAllowed: "IP_NOT_ALLOWED",
  /** The gateway's request budget is spent; `Retry-After` says when to try again. */
  RateLimited: "RATE_LIMITED",
  /** The platform is in emergency lockdown. */
  LockdownActive: "LOCKDOWN_ACTIVE",
  /** The request's Origin is not on the profile's allowlist. */
  CorsOriginNotAllowed: "CORS_ORIGIN_NOT_ALLOWED",
  /**
   * The HTTP request is malformed or not one this transport carries: a bad request line or
   * target, a header that must be single sent twice, a subscription over HTTP.
   */
  BadRequest: "BAD_REQUEST",
  /** More request header lines than the server reads. */
  RequestHeadersTooLarge: "REQUEST_HEADERS_TOO_LARGE",
  /** The request's head or body did not arrive in time. */
  RequestTimeout: "REQUEST_TIMEOUT",
  /** The body is not `application/json` in UTF-8, or its `Content-Type` is ambiguous. */
  UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  /** No operation to run: an unknown `operationName`, or several operations and none named. */
  OperationResolutionFailure: "OPERATION_RESOLUTION_FAILURE",
  /** The body is larger than the cap. */
  RequestTooLarge: "REQUEST_TOO_LARGE",
  /** The body is not readable JSON. */
  BadRequestBody: "BAD_REQUEST_BODY",
  /** The body is an array of operations. */
  BatchingDisabled: "BATCHING_DISABLED",
  /** A simple (non-preflighted) request without a CSRF-prevention header. */
  CsrfPrevented: "CSRF_PREVENTED",
  /** A mutation sent with GET. */
  MethodNotAllowed: "METHOD_NOT_ALLOWED",
  /** Selections nest deeper than the limit. */
  QueryTooDeep: "QUERY_TOO_DEEP",
  /** More aliases than the limit. */
  TooManyAliases: "TOO_MANY_ALIASES",
  /** More directives than the limit. */
  TooManyDirectives: "TOO_MANY_DIRECTIVES",
  /** More lexical tokens than the limit. */
  TooManyTokens: "TOO_MANY_TOKENS",
  /** Estimated cost above the limit. */
  QueryTooComplex: "QUERY_TOO_COMPLEX",
  /** `__schema` or `__type` asked by a caller who may not introspect. */
  IntrospectionDisabled: "INTROSPECTION_DISABLED",
  /** Execution ran past the deadline. */
  ExecutionTimeout: "EXECUTION_TIMEOUT",
  /** A socket asked for more live subscriptions than one socket may hold. */
  TooManySubscriptions: "TOO_MANY_SUBSCRIPTIONS",
  /** Anything unexpected; details go to the log, never to the client. */
  Internal: "INTERNAL_SERVER_ERROR",
} as const;

/** One of the public {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = Object.freeze({
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  STEP_UP_REQUIRED: 403,
  TOO_MANY_ATTEMPTS: 429,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  SERVICE_UNAVAILABLE: 503,
  IP_NOT_ALLOWED: 403,
  RATE_LIMITED: 429,
  LOCKDOWN_ACTIVE: 503,
  CORS_ORIGIN_NOT_ALLOWED: 403,
  BAD_REQUEST: 400,
  REQUEST_HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  UNSUPPORTED_MEDIA_TYPE: 415,
  OPERATION_RESOLUTION_FAILURE: 400,
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
  TOO_MANY_SUBSCRIPTIONS: 429,
  INTERNAL_SERVER_ERROR: 500,
});

/**
 * A GraphQL error carrying `extensions.code` and `extensions.http.status` (and, when given,
 * response headers such as `Retry-After`: Apollo Server applies `extensions.http` to the
 * response and strips it from the body). Every refusal Rampart answers is one.
 */
export class RampartError extends GraphQLError {
  /** The public code. */
  readonly code: ErrorCode;

  constructor(
    code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
    /** Response headers (Apollo's `HeaderMap` is a Map). Default none. */
    headers?: Map<string, string>,
  ) {
    super(message, {
      extensions: {
        ...extensions,
        code,
        http: headers ? { status: httpStatusOf[code], headers } : { status: httpStatusOf[code] },
      },
    });
    this.code = code;
  }

  /** The caller presented credentials that could not be verified. */
  static unauthenticated(message = "Authentication failed."): RampartError {
    return new RampartError(ErrorCode.Unauthenticated, message);
  }

  /** The caller may not do this. */
  static forbidden(message = "You are not allowed to do this."): RampartError {
    return new RampartError(ErrorCode.Forbidden, message);
  }

  /** The caller must verify a second factor (again) first. */
  static stepUpRequired(message = "Verify your second factor to do this."): RampartError {
    return new RampartError(ErrorCode.StepUpRequired, message);
  }

  /** Too many attempts; the caller may retry after `retryAfterSeconds` (whole seconds, >= 1). */
  static tooManyAttempts(retryAfterSeconds: number): RampartError {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return new RampartError(
      ErrorCode.TooManyAttempts,
      `Too many attempts. Try again in ${seconds} seconds.`,
      { retryAfterSeconds: seconds },
    );
  }

  /** The input is not acceptable; `field` names the argument. */
  static badInput(message: string, field?: string): RampartError {
    return new RampartError(ErrorCode.BadUserInput, message, field ? { field } : {});
  }

  /** Nothing with this id is visible to the caller. */
  static notFound(what: string): RampartError {
    return new RampartError(ErrorCode.NotFound, `${what} not found.`);
  }

  /** A dependency is down. */
  static unavailable(what: string): RampartError {
    return new RampartError(ErrorCode.ServiceUnavailable, `${what} is unavailable.`);
  }
}

/** A configuration value is missing or invalid; start-up stops with this message. */
export class ConfigError extends Error {
  constructor(
    /** The environment variables at fault, each with how to fix it. */
    readonly problems: readonly { variable: string; message: string }[],
  ) {
    super(
      "Invalid configuration:\n" + problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }

  /** A single bad variable. */
  static invalid(variable: string, message: string): ConfigError {
    return new ConfigError([{ variable, message }]);
  }
}

/** Codes a client may see: Rampart's contract plus Apollo's request-level codes. */
const publicCodes: ReadonlySet<unknown> = new Set<unknown>([
  ...Object.values(ErrorCode),
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
]);

/**
 * Keeps typed errors (those carrying a public code) and replaces anything else with a bare
 * internal error, so no message, stack or schema detail from a bug reaches the client.
 */
export function maskUnexpected(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== ErrorCode.Internal && publicCodes.has(code)) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  logger.error({ err: error }, "unexpected error");
  return {
    message: "Internal server error.",
    path: formatted.path,
    extensions: { code: ErrorCode.Internal },
  };
}
