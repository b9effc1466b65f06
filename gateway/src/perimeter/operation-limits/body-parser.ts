import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { httpStatusOf } from "@rampart/kit";
import { OperationLimitError } from "./errors";
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
 * recorded with its client and request id), an unambiguous `Content-Type` and JSON in
 * UTF-8 only (415 otherwise: body-parser would decode UTF-16 or UTF-7 and run it), bytes that
 * are well-formed UTF-8, JSON nested at most `maxJsonDepth` levels, a cap, and no batches.
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
      .status(httpStatusOf[error.code])
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
      // Already answered: a streamed body ran past the cap (see capStreamedBody).
      if (res.headersSent) return;
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
    // A too-long Content-Length is refused by the HTTP server before the body; a chunked
    // body has none, and body-parser reads all of it before reporting that it was too large.
    if (req.headers["content-length"] === undefined && req.is("application/json")) {
      capStreamedBody(req, res);
    }
  };

  /**
   * Answers 413 as soon as a streamed body passes the cap, and closes the connection once the
   * answer is written, so a client that goes on sending is not read to the end.
   */
  function capStreamedBody(req: Request, res: Response): void {
    let received = 0;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= options.maxBodyBytes) return;
      req.off("data", count);
      if (res.headersSent) return;
      res.setHeader("connection", "close");
      refuse(req, res, OperationLimitError.requestTooLarge(options.maxBodyBytes));
    };
    // Added after body-parser's own reader, so it sees the same chunks and takes none away.
    req.on("data", count);
    req.once("end", () => req.off("data", count));
  }
}

/** The refusal of JSON nested deeper than `maxDepth`. */
function tooDeep(maxDepth: number): OperationLimitError {
  return OperationLimitError.badRequestBody(
    `The request nests JSON objects and arrays deeper than ${maxDepth} levels.`,
  );
}

/**
 * Why a POST's `Content-Type` is refused, if it is: a header that does not parse or repeats a
 * parameter is ambiguous (body-parser takes the last `charset`, a proxy may read the first);
 * JSON must be in UTF-8, the only charset GraphQL over HTTP allows (body-parser would decode
 * UTF-16 or UTF-7 and run it). Other media types are not parsed: Apollo refuses them with
 * 400 `BAD_REQUEST`.
 */
function refusalOfMediaType(header: string | undefined): OperationLimitError | undefined {
  if (header === undefined) return undefined;
  const mediaType = parseMediaType(header);
  if (!mediaType) {
    return OperationLimitError.unsupportedMediaType(
      "The Content-Type header is malformed or repeats a parameter: send application/json.",
    );
  }
  const charset = mediaType.parameters.get("charset");
  if (
    mediaType.essence === "application/json" &&
    charset !== undefined &&
    charset.toLowerCase() !== "utf-8"
  ) {
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
