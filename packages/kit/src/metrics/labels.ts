import { ApolloServerErrorCode } from "@apollo/server/errors";
import { ErrorCode } from "../errors";

/** `outcome` of a request answered without errors. */
export const OUTCOME_OK = "ok";

/** `operation` of a request that names no operation (or was refused before its body was read). */
export const ANONYMOUS_OPERATION = "anonymous";

/** `operation` or `outcome` of anything past the label caps or outside the known values. */
export const OTHER_LABEL = "other";

/** Longest operation name kept in a label; longer names are truncated. */
export const MAX_OPERATION_LABEL_LENGTH = 64;

/**
 * Codes counted by `rampart_refusals_total`: the caller was refused (perimeter, credentials,
 * rights, limits). Not refusals: bad input, not found, outages and bugs.
 */
const notRefusals: readonly string[] = [
  ErrorCode.BadUserInput,
  ErrorCode.NotFound,
  ErrorCode.ServiceUnavailable,
  ErrorCode.Internal,
];
export const refusalCodes: ReadonlySet<string> = new Set(
  Object.values(ErrorCode).filter((code) => !notRefusals.includes(code)),
);

/** Codes an `outcome` label may take besides `ok`: Rampart's contract and Apollo's request codes. */
const outcomeCodes: ReadonlySet<unknown> = new Set<unknown>([
  ...Object.values(ErrorCode),
  ...Object.values(ApolloServerErrorCode),
]);

/**
 * The `outcome` of a response from its error codes, in order: `ok` without errors, else the
 * first error's code when it is a known one, else `other`.
 */
export function outcomeOf(codes: readonly unknown[]): string {
  if (codes.length === 0) return OUTCOME_OK;
  return outcomeCodes.has(codes[0]) ? (codes[0] as string) : OTHER_LABEL;
}

const graphqlName = /^[_A-Za-z][_0-9A-Za-z]*$/;
/** Names longer than this are not looked at: `other`. */
const MAX_OPERATION_NAME_LENGTH = 256;

/**
 * Turns client-chosen operation names into a bounded set of label values: the name (truncated
 * to {@link MAX_OPERATION_LABEL_LENGTH}), `anonymous` without one, and `other` for anything
 * that is not a GraphQL name or arrives once `maxNames` distinct names are labelled. Names
 * take a slot first come, first served, so that a flood of made-up names costs at most that.
 */
export class OperationLabels {
  private readonly names = new Set<string>();

  constructor(
    /** Most distinct operation names labelled. */
    private readonly maxNames: number,
  ) {}

  /**
   * The label of `name`. Only `register` lets a new name take a slot: pass it for names of
   * operations the server resolved, not for names read from a request it refused unread.
   */
  label(name: string | null | undefined, register: boolean): string {
    if (name === null || name === undefined || name === "") return ANONYMOUS_OPERATION;
    if (name.length > MAX_OPERATION_NAME_LENGTH || !graphqlName.test(name)) return OTHER_LABEL;
    const label = name.slice(0, MAX_OPERATION_LABEL_LENGTH);
    if (this.names.has(label)) return label;
    if (!register || this.names.size >= this.maxNames) return OTHER_LABEL;
    this.names.add(label);
    return label;
  }
}
