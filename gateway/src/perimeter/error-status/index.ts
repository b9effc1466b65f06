import type { ApolloServerPlugin } from "@apollo/server";
import { ErrorCode, httpStatusOf } from "@rampart/kit";

/** Codes in the order that decides a response's status when several errors occur. */
const precedence: readonly ErrorCode[] = [
  ErrorCode.Unauthenticated,
  ErrorCode.IpNotAllowed,
  ErrorCode.LockdownActive,
  ErrorCode.RateLimited,
  ErrorCode.TooManyAttempts,
  ErrorCode.StepUpRequired,
  ErrorCode.Forbidden,
  ErrorCode.BadUserInput,
  ErrorCode.NotFound,
  ErrorCode.ServiceUnavailable,
];

/**
 * Gives a refused operation the HTTP status of its error code (401, 403, 429, ...). Only when
 * nothing was answered (no root field has a value): a partial result stays 200.
 * Subgraphs always answer 200 for executed operations; the gateway decides the status.
 */
export function createErrorStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { data, errors } = response.body.singleResult;
          const answered =
            data !== null &&
            data !== undefined &&
            Object.values(data).some((value) => value !== null);
          if (!errors?.length || answered) return;
          const codes = new Set(errors.map((error) => error.extensions?.code));
          const code = precedence.find((candidate) => codes.has(candidate));
          if (code) response.http.status = httpStatusOf[code];
        },
      };
    },
  };
}
