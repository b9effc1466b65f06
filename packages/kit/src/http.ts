import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { ErrorCode, httpStatusOf, RampartError } from "./errors";

/** Writes a typed error as a GraphQL-shaped JSON body with its HTTP status. */
export function sendError(res: Response, error: RampartError): void {
  res
    .status(httpStatusOf[error.code])
    .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
}

/** Answers any unmatched route with 404 `NOT_FOUND`. */
export function notFoundHandler(_req: Request, res: Response): void {
  sendError(res, new RampartError(ErrorCode.NotFound, "Not found."));
}

/**
 * Last-resort Express error handler: body-parser failures (malformed JSON, oversize) become
 * 400 `BAD_USER_INPUT`; anything else is logged and answered with a bare 500.
 */
export function errorHandler(logger: Logger) {
  return (
    error: Error & { status?: number },
    _req: Request,
    res: Response,
    _next: NextFunction,
  ): void => {
    if (error.status && error.status >= 400 && error.status < 500) {
      sendError(res, RampartError.badInput("The request body could not be read."));
      return;
    }
    logger.error({ err: error }, "unhandled error");
    sendError(res, new RampartError(ErrorCode.Internal, "Internal server error."));
  };
}
