/**
 * Bounds the text a security event carries. Much of it comes from the caller (an `Origin`, a
 * header, a token's claims): stored whole, a client could make every event kilobytes long and
 * write control characters into every log and dashboard that shows it.
 */

/**
 * Control characters (C0, DEL, C1), zero-width and bidirectional marks, line and paragraph
 * separators, the byte-order mark: none belongs in a one-line reason, and each can forge or
 * hide text where the event is shown.
 */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f\ufeff]+/g;

/** A surrogate without its pair: not valid UTF-8 once encoded, so replaced. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Longest text a refusal event keeps of each caller-supplied string, in UTF-16 units. */
export const REFUSAL_TEXT_LIMIT = 256;

/** The marker that ends a cut text: `…[cut 11900 chars]`. */
export const cutMarker = (removed: number): string => `…[cut ${removed} chars]`;

/**
 * The text with every run of control characters replaced by one space and lone surrogates by
 * U+FFFD, then cut to at most `maxLength` UTF-16 units (the marker included) with
 * {@link cutMarker} saying how much was removed. A surrogate pair is never split.
 */
export function boundText(text: string, maxLength: number): string {
  if (!Number.isInteger(maxLength) || maxLength < 32) {
    throw new RangeError(`maxLength must be a whole number >= 32, not ${maxLength}`);
  }
  const clean = text.replace(CONTROL, " ").replace(LONE_SURROGATE, "\ufffd");
  if (clean.length <= maxLength) return clean;
  // The marker's length depends on the count it names, which is at most the whole length:
  // leaving room for that marker keeps the result within maxLength whatever the count.
  let keep = maxLength - cutMarker(clean.length).length;
  const last = clean.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return clean.slice(0, keep) + cutMarker(clean.length - keep);
}

/** {@link boundText} for a value that may be null or undefined (kept as they are). */
export function boundOptionalText<T extends null | undefined>(
  text: string | T,
  maxLength: number,
): string | T {
  return typeof text === "string" ? boundText(text, maxLength) : text;
}
