import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { OperationLimitError, operationLimitStatus } from "./errors";

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
  /** Reports a refusal (a security event). */
  refused(req: Request, res: Response, error: OperationLimitError): void;
}

/**
 * The GraphQL route's body handling, before Apollo: Apollo's CSRF rule (so the refusal is
 * recorded with its client and request id), a capped JSON body, and no batches.
 */
export function createBodyParser(options: BodyParserOptions): RequestHandler {
  const parseJson = express.json({ limit: options.maxBodyBytes, strict: true });
  const refuse = (req: Request, res: Response, error: OperationLimitError) => {
    options.refused(req, res, error);
    res
      .status(operationLimitStatus[error.code])
      .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
  };

  return function operationBody(req: Request, res: Response, next: NextFunction): void {
    if (mayBeForged(req))
      return refuse(req, res, OperationLimitError.csrfPrevented(csrfPreventionRequestHeaders));
    parseJson(req, res, (error?: unknown) => {
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
