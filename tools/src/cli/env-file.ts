/** One `NAME=value` assignment of a `.env` file, with its value as compose reads it. */
export interface EnvAssignment {
  /** The variable's name. */
  readonly name: string;
  /** Its value: quotes removed; inside double quotes `\n` is a newline, inside single quotes nothing is escaped. */
  readonly value: string;
  /** Index of its line in the file (0-based). */
  readonly line: number;
}

const assignmentLine = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function unquote(raw: string): string {
  const text = raw.trim();
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    return end > 0 ? text.slice(1, end) : text.slice(1);
  }
  if (text.startsWith('"')) {
    const closing = /^"((?:[^"\\]|\\.)*)"/.exec(text);
    const body = closing ? closing[1] : text.slice(1);
    return body.replace(/\\(.)/g, (_escape, character: string) =>
      character === "n" ? "\n" : character,
    );
  }
  // Unquoted: an inline comment starts at ` #`.
  return text.replace(/\s+#.*$/, "");
}

/**
 * Parses a `.env` file the way Docker Compose does for the cases Rampart writes: `NAME=value`,
 * optional `export`, single quotes (literal), double quotes (`\n` escapes), `#` comments.
 * A name assigned twice keeps its last value, as compose does.
 */
export function parseEnvFile(text: string): EnvAssignment[] {
  const byName = new Map<string, EnvAssignment>();
  text.split(/\r?\n/).forEach((content, line) => {
    if (/^\s*(#|$)/.test(content)) return;
    const match = assignmentLine.exec(content);
    if (match) byName.set(match[1], { name: match[1], value: unquote(match[2]), line });
  });
  return [...byName.values()];
}

/** The file's variables as an environment. */
export function envFileValues(text: string): Record<string, string> {
  return Object.fromEntries(parseEnvFile(text).map(({ name, value }) => [name, value]));
}

/**
 * Sets each of `values` whose variable is empty or absent in `text`: an empty `NAME=` line is
 * filled in place, an absent name is appended. A variable that already has a value is kept.
 * Returns the new text and the names it filled.
 */
export function fillEmptyValues(
  text: string,
  values: Readonly<Record<string, string>>,
): { text: string; filled: string[] } {
  const lines = text.split("\n");
  const assigned = new Map(parseEnvFile(text).map((assignment) => [assignment.name, assignment]));
  const filled: string[] = [];
  const appended: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const current = assigned.get(name);
    if (current && current.value !== "") continue;
    filled.push(name);
    if (current) lines[current.line] = `${name}=${value}`;
    else appended.push(`${name}=${value}`);
  }
  if (appended.length > 0) {
    if (lines.at(-1) === "") lines.pop();
    lines.push(...appended, "");
  }
  return { text: lines.join("\n"), filled };
}
