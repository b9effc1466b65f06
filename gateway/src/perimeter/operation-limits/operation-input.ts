import { BREAK, visit, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { OperationLimitError } from "./errors";

/** What a client sends with a resolved operation, checked before it runs. */
export interface OperationInput {
  /** The parsed document (its string literals are searched). */
  readonly document: DocumentNode;
  /** The operation of `document` that runs (its variable definitions). */
  readonly operation: OperationDefinitionNode;
  /** The variables as sent, before coercion; default none. */
  readonly variables?: Readonly<Record<string, unknown>> | null;
}

/**
 * The refusal of an operation's input, if it is refused (400 `BAD_USER_INPUT` each): a
 * variable the operation does not declare (graphql-js ignores one, so whatever it holds would
 * pass unchecked), and text no database can store, in a variable or a literal (U+0000 or a
 * lone surrogate would reach a subgraph's PostgreSQL and come back as an internal error;
 * GraphQL's parser already refuses a lone surrogate escape in a literal). The one check of
 * both transports: Apollo's `didResolveOperation` over HTTP, each subscribe over graphql-ws.
 */
export function refusalOfOperationInput(input: OperationInput): OperationLimitError | undefined {
  const declared = new Set(
    (input.operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value),
  );
  for (const name of Object.keys(input.variables ?? {})) {
    if (!declared.has(name)) return OperationLimitError.undeclaredVariable();
  }
  if (holdsUnstorableText(input.variables) || literalHoldsNul(input.document)) {
    return OperationLimitError.unstorableText();
  }
  return undefined;
}

/** A UTF-16 surrogate without its other half (JSON's `"\ud800"`): no UTF-8 text can hold it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `text` cannot be stored by PostgreSQL: U+0000 (refused in text and jsonb), or a lone
 * surrogate (refused in jsonb).
 */
const isUnstorable = (text: string): boolean =>
  text.includes("\u0000") || LONE_SURROGATE.test(text);

/** Whether a JSON value (a request's variables) holds unstorable text anywhere, keys included. */
function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === "string") return isUnstorable(value);
  if (Array.isArray(value)) return value.some(holdsUnstorableText);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).some(
      ([key, item]) => isUnstorable(key) || holdsUnstorableText(item),
    );
  }
  return false;
}

/** Documents already searched for a NUL literal (Apollo and the socket reuse parsed documents). */
const nulLiterals = new WeakMap<DocumentNode, boolean>();

/** Whether a string literal of `document` decodes to text with U+0000 (`"\u0000"`, `"\u{0}"`). */
function literalHoldsNul(document: DocumentNode): boolean {
  let found = nulLiterals.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      StringValue(node) {
        if (node.value.includes("\u0000")) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    });
    nulLiterals.set(document, found);
  }
  return found;
}
