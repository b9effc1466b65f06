import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { OperationLimitError, operationLimitStatus } from "./errors";
import { isWellFormedUtf8, nestsDeeperThan } from "./json-text";
import { parseMediaType } from "./media-type";

/** Content types a browser sends cross-site without a CORS preflight. */
const simpleContentTypes = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

/** Apollo's recommended CSRF-prevention headers (`csrfPrevention: true`). */
export const csrfPreventionRequestHeaders: readonly string[] = [
  "x-apollo-operation-name",
  "apollo-require-preflight",
];

/** What the body parser needs. */
export interface BodyParserOptions {
  /** Largest accepted body, in bytes. */
  maxBodyBytes: number;
  /** Deepest nesting of objects and arrays in a body, or in a GET's `variables` or `extensions`. */
  maxJsonDepth: number;
  /** Reports a refusal (a security event). */
  refused(req: Request, res: Response, error: OperationLimitError): void;
}

/** Thrown from body-parser's `verify` hook, which hands it back to the parser's callback. */
class BodyRefused extends Error {
  /** body-parser keeps this status; the answer is the refusal's own. */
  readonly status = 400;
  constructor(readonly refusal: OperationLimitError) {
    super(refusal.message);
  }
}

/**
 * The GraphQL route's body handling, before Apollo: Apollo's CSRF rule (so the refusal is
 * recorded with its client and request id), a POST body in `application/json` and UTF-8
 * only (415 otherwise: body-parser would decode UTF-16 or UTF-7 and run it), well-formed
 * UTF-8, JSON nested at most `maxJsonDepth` levels, capped, and no batches.
 */
export function createBodyParser(options: BodyParserOptions): RequestHandler {
  const parseJson = express.json({
    limit: options.maxBodyBytes,
    strict: true,
    // Runs on the raw bytes, before body-parser decodes (leniently) and parses them.
    verify: (_req, _res, bytes) => {
      if (!isWellFormedUtf8(bytes)) {
        throw new BodyRefused(
          OperationLimitError.badRequestBody("The request body is not valid UTF-8."),
        );
      }
      if (nestsDeeperThan(bytes, options.maxJsonDepth)) {
        throw new BodyRefused(tooDeep(options.maxJsonDepth));
      }
    },
  });
  const refuse = (req: Request, res: Response, error: OperationLimitError) => {
    options.refused(req, res, error);
    res
      .status(operationLimitStatus[error.code])
      .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
  };

  return function operationBody(req: Request, res: Response, next: NextFunction): void {
    if (mayBeForged(req))
      return refuse(req, res, OperationLimitError.csrfPrevented(csrfPreventionRequestHeaders));
    if (req.method === "POST") {
      const mediaTypeRefusal = refusalOfMediaType(req.get("content-type"));
      if (mediaTypeRefusal) return refuse(req, res, mediaTypeRefusal);
    }
    if (req.method === "GET") {
      const queryRefusal = refusalOfQueryJson(req.originalUrl, options.maxJsonDepth);
      if (queryRefusal) return refuse(req, res, queryRefusal);
    }
    parseJson(req, res, (error?: unknown) => {
      if (error instanceof BodyRefused) return refuse(req, res, error.refusal);
      if (error) {
        const { type, status } = error as { type?: string; status?: number };
        if (type === "entity.too.large") {
          return refuse(req, res, OperationLimitError.requestTooLarge(options.maxBodyBytes));
        }
        if (status !== undefined && status >= 400 && status < 500) {
          return refuse(req, res, OperationLimitError.badRequestBody());
        }
        return next(error);
      }
      if (Array.isArray(req.body)) return refuse(req, res, OperationLimitError.batchingDisabled());
      next();
    });
  };
}

/** The refusal of JSON nested deeper than `maxDepth`. */
function tooDeep(maxDepth: number): OperationLimitError {
  return OperationLimitError.badRequestBody(
    `The request nests JSON objects and arrays deeper than ${maxDepth} levels.`,
  );
}

/**
 * Why a POST's `Content-Type` is refused, if it is: Apollo reads `application/json` only (any
 * other type reached it unparsed and failed with a 500), in UTF-8, the only charset GraphQL
 * over HTTP allows; a header that does not parse or repeats a parameter is ambiguous.
 */
function refusalOfMediaType(header: string | undefined): OperationLimitError | undefined {
  const mediaType = header === undefined ? undefined : parseMediaType(header);
  if (!mediaType) {
    return OperationLimitError.unsupportedMediaType(
      "Send the operation with one Content-Type: application/json header.",
    );
  }
  if (mediaType.essence !== "application/json") {
    return OperationLimitError.unsupportedMediaType(
      "Send the operation as JSON, with Content-Type: application/json.",
    );
  }
  const charset = mediaType.parameters.get("charset");
  if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
    return OperationLimitError.unsupportedMediaType("Send the body in UTF-8 (charset=utf-8).");
  }
  return undefined;
}

/**
 * Why a GET is refused, if it is: its `variables` or `extensions` (JSON that Apollo parses from
 * the query string) nest deeper than `maxDepth`, or its target cannot be read at all.
 */
function refusalOfQueryJson(target: string, maxDepth: number): OperationLimitError | undefined {
  let parameters: URLSearchParams;
  try {
    parameters = new URL(target, "http://gateway.invalid").searchParams;
  } catch {
    return OperationLimitError.badRequestBody("The request target is malformed.");
  }
  const deep = ["variables", "extensions"].some((name) =>
    parameters.getAll(name).some((json) => nestsDeeperThan(Buffer.from(json), maxDepth)),
  );
  return deep ? tooDeep(maxDepth) : undefined;
}

/**
 * Apollo's CSRF rule: a request a browser could send cross-site without a preflight (no
 * `Content-Type`, or a form or text type) must carry a non-empty CSRF-prevention header.
 * A GET that asks for HTML is left to Apollo, which answers it with its landing page and runs
 * no operation.
 */
function mayBeForged(req: Request): boolean {
  if (req.method === "OPTIONS") return false;
  if (req.method === "GET" && req.get("accept") && prefersHtml(req)) return false;
  const contentType = req.get("content-type");
  if (contentType !== undefined) {
    const essence = contentType.split(";")[0].trim().toLowerCase();
    if (!simpleContentTypes.has(essence)) return false;
  }
  return !csrfPreventionRequestHeaders.some((header) => (req.get(header) ?? "").length > 0);
}

/** Whether the client prefers an HTML page to a GraphQL response. */
function prefersHtml(req: Request): boolean {
  return (
    req.accepts([
      "application/json",
      "application/graphql-response+json",
      "multipart/mixed",
      "text/html",
    ]) === "text/html"
  );
}
