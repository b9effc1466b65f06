// @ts-check
// The Semgrep rules of .semgrep/rampart.yml as ESLint `no-restricted-syntax` selectors, so that
// `npm run lint` (and `npm run security:check`) catch them offline, before CI's Semgrep does.
// Each message starts with the Semgrep rule id; tools/test/unit/security-rules.test.ts runs ESLint
// on .semgrep/rampart.tsx and checks that each fires exactly on the lines annotated `ruleid:`.

/** Names whose value must never be logged (matched on the last part of a name). */
const secretName =
  "/(token|secret|password|passwd|apikey|api_key|privatekey|private_key|authorization|cookie|otp|backupcodes?)$/i";

/** A call on a logger: `logger.info(...)`, `console.log(...)`, `runtime.logger.warn(...)`. */
const logCall =
  "CallExpression[callee.property.name=/^(trace|debug|info|warn|error|fatal|log)$/]" +
  ":matches([callee.object.name=/^(console|log|logger)$/i], [callee.object.property.name=/^(log|logger)$/i])";

/** Selectors that apply to service and tool code (tests may build SQL for throw-away schemas). */
export const sourceSecuritySelectors = [
  {
    selector: `${logCall} > *.arguments Identifier[name=${secretName}]`,
    message:
      "rampart-secret-in-log: a token, secret, password, key, cookie or one-time code goes into a log call; log an id or a fingerprint instead.",
  },
  {
    selector: `${logCall} > Identifier.arguments[name=${secretName}]`,
    message:
      "rampart-secret-in-log: a token, secret, password, key, cookie or one-time code goes into a log call; log an id or a fingerprint instead.",
  },
  {
    selector:
      "CallExpression[callee.property.name=/^(query|execute|raw|unsafe)$/] > TemplateLiteral[expressions.length>0]",
    message:
      "rampart-sql-from-strings: SQL built from a template reaches the database; pass values as parameters and identifiers through a checked quoting function.",
  },
  {
    selector:
      "CallExpression[callee.property.name=/^(query|execute|raw|unsafe)$/] > BinaryExpression[operator='+']",
    message:
      "rampart-sql-from-strings: SQL built by concatenation reaches the database; pass values as parameters and identifiers through a checked quoting function.",
  },
];

/** Selectors that apply everywhere, tests included. */
export const everywhereSecuritySelectors = [
  {
    selector:
      "JSXAttribute[name.name='dangerouslySetInnerHTML'], Property[key.name='dangerouslySetInnerHTML']",
    message:
      "rampart-dangerously-set-inner-html: renders a string as HTML (script in an admin's browser); render text through React instead.",
  },
  {
    selector:
      "Property[key.name='rejectUnauthorized'][value.value=false], AssignmentExpression[left.property.name='rejectUnauthorized'][right.value=false]",
    message:
      "rampart-tls-verification-disabled: TLS certificate verification is turned off; trust the right CA (`ca`, NODE_EXTRA_CA_CERTS) instead.",
  },
  {
    selector:
      "MemberExpression[property.name='NODE_TLS_REJECT_UNAUTHORIZED'], MemberExpression > Literal.property[value='NODE_TLS_REJECT_UNAUTHORIZED'], Property[key.name='NODE_TLS_REJECT_UNAUTHORIZED']",
    message:
      "rampart-tls-verification-disabled: NODE_TLS_REJECT_UNAUTHORIZED turns TLS certificate verification off for the whole process.",
  },
];
