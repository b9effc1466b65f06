/** Strict UTF-8: a malformed sequence throws instead of becoming U+FFFD. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether `bytes` are well-formed UTF-8. body-parser decodes with replacement characters, so
 * a request with invalid bytes in a JSON key or a GraphQL comment would otherwise run as some
 * other text than the one a proxy or a log saw.
 */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`, found by one pass over the
 * raw bytes before anything parses it (so 10,000 levels cost a scan, not a parse and a
 * recursive walk in every consumer). Brackets inside strings do not count; the text need not be
 * valid JSON (the parser refuses what is not). ASCII brackets never occur inside a multi-byte
 * UTF-8 sequence, so the bytes can be read one at a time.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}
