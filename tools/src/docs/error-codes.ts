import fs from "node:fs";
import ts from "typescript";
import { ErrorCode, httpStatusOf } from "@rampart/kit";
import { cell, code, generatedNote, table } from "./markdown";

/** Where {@link ErrorCode} is defined, relative to the repository: its doc comments are the meanings. */
export const ERROR_CODES_SOURCE = "packages/kit/src/errors.ts";

/** Each `ErrorCode` member's doc comment, by member name, read from the source. */
export function errorCodeMeanings(sourceText: string): Map<string, string> {
  const source = ts.createSourceFile(ERROR_CODES_SOURCE, sourceText, ts.ScriptTarget.Latest, true);
  const meanings = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.name.getText(source) === "ErrorCode" &&
      node.initializer !== undefined
    ) {
      const literal = ts.isAsExpression(node.initializer)
        ? node.initializer.expression
        : node.initializer;
      if (ts.isObjectLiteralExpression(literal)) {
        for (const property of literal.properties) {
          const comment = ts
            .getJSDocCommentsAndTags(property)
            .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
            .join(" ");
          meanings.set(property.name?.getText(source) ?? "", comment.trim());
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return meanings;
}

/** `docs/reference/error-codes.md`: every public code, its HTTP status and what it means. */
export function renderErrorCodes(sourcePath: string): string {
  const meanings = errorCodeMeanings(fs.readFileSync(sourcePath, "utf8"));
  const rows = Object.entries(ErrorCode).map(([member, value]) => {
    const meaning = meanings.get(member);
    if (!meaning)
      throw new Error(`ErrorCode.${member} has no doc comment in ${ERROR_CODES_SOURCE}`);
    return [code(value), String(httpStatusOf[value]), cell(meaning)];
  });
  return [
    generatedNote(`\`ErrorCode\` and \`httpStatusOf\` in ${ERROR_CODES_SOURCE}`),
    "",
    "# Error codes",
    "",
    "Every refusal Rampart answers is a GraphQL error whose `extensions.code` is one of these codes; the HTTP status is the response's when the request is refused with that code and nothing was answered (a partial result, some fields answered and others refused, stays 200). Clients may rely on the codes: they are the public contract. See the [client integration guide](../client-guide.md) for how to handle them.",
    "",
    table(["code", "HTTP status", "meaning"], rows),
    "",
  ].join("\n");
}
