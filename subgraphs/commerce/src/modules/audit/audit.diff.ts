import { createHash } from "node:crypto";
import type { StoredChange } from "./audit-entry.entity";

/** How an audited record's fields are shown in its diff. */
export interface RedactionPolicy {
  /** Secrets: a change is recorded, never a value. */
  readonly secret?: readonly string[];
  /** Personal data: a change is recorded, never a value. */
  readonly personal?: readonly string[];
}

/** What a redacted value reads as. */
export const REDACTED = "[redacted]";

/** Text longer than this is recorded by length and digest only, so an entry stays small. */
export const LONG_TEXT = 200;

/** A field's snapshot value: plain JSON data. */
export type Snapshot = Readonly<Record<string, unknown>>;

const summarize = (value: unknown): unknown =>
  typeof value === "string" && value.length > LONG_TEXT
    ? {
        length: value.length,
        sha256: createHash("sha256").update(value, "utf8").digest("hex").slice(0, 16),
      }
    : value;

/**
 * The fields that differ between two snapshots of a record (null: it did not exist), with
 * secrets and personal data replaced by {@link REDACTED} and long text summarized. Fields are
 * compared by their JSON form, in the order of the snapshot's keys.
 */
export function redactedDiff(
  before: Snapshot | null,
  after: Snapshot | null,
  policy: RedactionPolicy = {},
): StoredChange[] {
  const hidden = new Set([...(policy.secret ?? []), ...(policy.personal ?? [])]);
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  const changes: StoredChange[] = [];
  for (const field of fields) {
    const was = before === null ? null : (before[field] ?? null);
    const is = after === null ? null : (after[field] ?? null);
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    const show = (value: unknown) =>
      value === null ? null : hidden.has(field) ? REDACTED : summarize(value);
    changes.push({ field, before: show(was), after: show(is) });
  }
  return changes;
}
