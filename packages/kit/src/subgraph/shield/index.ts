/** Declared authorization for subgraphs: the shared rule library and the shield middleware. */
export { allow, and, not, or } from "graphql-shield";
export { chain } from "./chain";
export {
  createPermissions,
  fieldsWithoutRules,
  type Permissions,
  type RuleTree,
} from "./permissions";
export {
  createRules,
  recordRuleRefusal,
  ruleOptionsFrom,
  type RuleContext,
  type OrganizationRef,
  type RuleOptions,
  type Rules,
  type ShieldRule,
} from "./rules";
