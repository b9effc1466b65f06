// The admin profile's mark: subgraphs tag admin-only schema elements with it, and the gateway's
// main profile hides what carries it.
import { Kind, type DirectiveNode } from "graphql";

/** The tag that marks admin-only elements; the main profile's contract hides them. */
export const ADMIN_TAG = "admin";

/** Whether a directive is `@tag(name: "admin")`. */
export const isAdminTag = (directive: DirectiveNode): boolean =>
  directive.name.value === "tag" &&
  (directive.arguments ?? []).some(
    (argument) =>
      argument.name.value === "name" &&
      argument.value.kind === Kind.STRING &&
      argument.value.value === ADMIN_TAG,
  );
