/** An RFC 9110 token: a media type's parts and a parameter's name. */
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** `type/subtype` at the start of a `Content-Type`. */
const essencePattern = new RegExp(`^[ \\t]*(${token}/${token})[ \\t]*`);
/** One `; name=value` (a token or a quoted string), or an empty `;`. */
const parameterPattern = new RegExp(
  `^;[ \\t]*(?:(${token})=(${token}|"(?:[^"\\\\\\u0000-\\u0008\\u000a-\\u001f\\u007f]|\\\\[^\\u0000-\\u0008\\u000a-\\u001f\\u007f])*"))?[ \\t]*`,
);

/** A `Content-Type` header read strictly: its essence and its parameters, names in lower case. */
export interface MediaType {
  /** `type/subtype`, in lower case. */
  essence: string;
  /** Parameter values by lower-case name, quotes and escapes removed. */
  parameters: ReadonlyMap<string, string>;
}

/**
 * Reads a `Content-Type` header as RFC 9110 writes it. Returns undefined when it does not parse
 * or names a parameter twice: `charset=utf-8; charset=utf-16le` means one reader decodes what
 * another checked differently, so an ambiguous header is no media type at all.
 */
export function parseMediaType(header: string): MediaType | undefined {
  const essence = essencePattern.exec(header);
  if (!essence) return undefined;
  const parameters = new Map<string, string>();
  let rest = header.slice(essence[0].length);
  while (rest.length > 0) {
    const parameter = parameterPattern.exec(rest);
    if (!parameter) return undefined;
    rest = rest.slice(parameter[0].length);
    const [, rawName, rawValue] = parameter;
    if (rawName === undefined || rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    if (parameters.has(name)) return undefined;
    parameters.set(
      name,
      rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, "$1") : rawValue,
    );
  }
  return { essence: essence[1].toLowerCase(), parameters };
}
