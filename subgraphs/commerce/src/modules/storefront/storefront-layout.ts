import { ErrorCode, RampartError } from "@rampart/kit";
import { z } from "zod";

/** The block types a layout is made of. */
export const BLOCK_TYPES = ["HERO", "PRODUCT_GRID", "TEXT", "IMAGE", "FAQ", "CHAT_WIDGET"] as const;

/** Caps on a layout, checked before its blocks are parsed. */
export const LAYOUT_LIMITS = {
  /** Serialized size of the whole layout, in characters. */
  maxChars: 64 * 1024,
  /** Blocks in the whole layout, nested ones included. */
  maxBlocks: 200,
  /** How deep blocks nest through `children` (1: no nesting). */
  maxDepth: 4,
} as const;

/** One block: its type, its own fields, and optionally nested blocks. */
export type LayoutBlock = { type: (typeof BLOCK_TYPES)[number]; children?: LayoutBlock[] } & Record<
  string,
  unknown
>;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const httpsUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      return new URL(value).protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an https URL");

const children: z.ZodType<LayoutBlock[]> = z.lazy(() => z.array(block));
const block: z.ZodType<LayoutBlock> = z.lazy(() =>
  z.discriminatedUnion("type", [
    z
      .object({
        type: z.literal("HERO"),
        heading: text(120).min(1, "must not be empty"),
        subheading: text(300).optional(),
        imageUrl: httpsUrl.optional(),
        children: children.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("PRODUCT_GRID"),
        title: text(120).optional(),
        productIds: z.array(text(64).min(1)).min(1).max(48),
        columns: z.number().int().min(1).max(6),
        children: children.optional(),
      })
      .strict(),
    z
      .object({ type: z.literal("TEXT"), text: text(5_000), children: children.optional() })
      .strict(),
    z
      .object({
        type: z.literal("IMAGE"),
        url: httpsUrl,
        alt: text(300),
        children: children.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("FAQ"),
        items: z
          .array(z.object({ question: text(300).min(1), answer: text(2_000) }).strict())
          .min(1)
          .max(30),
        children: children.optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal("CHAT_WIDGET"),
        greeting: text(300),
        position: z.enum(["BOTTOM_RIGHT", "BOTTOM_LEFT"]),
        children: children.optional(),
      })
      .strict(),
  ]),
) as z.ZodType<LayoutBlock>;

const tooBig = (message: string, reason: string) =>
  new RampartError(ErrorCode.BadUserInput, message, { field: "blocks", reason });

/**
 * Checks size, block count and nesting without recursion, so a layout nested 1,000 deep (or
 * larger than the caps) is refused cheaply before any schema parse.
 */
function checkShape(value: unknown): void {
  let serialized: string;
  try {
    serialized = JSON.stringify(value) ?? "";
  } catch {
    throw RampartError.badInput("blocks must be JSON data.", "blocks");
  }
  if (serialized.length > LAYOUT_LIMITS.maxChars) {
    throw tooBig(
      `blocks must be at most ${LAYOUT_LIMITS.maxChars} characters as JSON.`,
      "LAYOUT_TOO_LARGE",
    );
  }
  if (!Array.isArray(value))
    throw RampartError.badInput("blocks must be a list of blocks.", "blocks");
  const pending: { blocks: unknown[]; depth: number }[] = [{ blocks: value, depth: 1 }];
  let count = 0;
  while (pending.length > 0) {
    const { blocks, depth } = pending.pop()!;
    if (depth > LAYOUT_LIMITS.maxDepth) {
      throw tooBig(`blocks must nest at most ${LAYOUT_LIMITS.maxDepth} deep.`, "LAYOUT_TOO_DEEP");
    }
    for (const item of blocks) {
      count += 1;
      if (count > LAYOUT_LIMITS.maxBlocks) {
        throw tooBig(
          `a layout holds at most ${LAYOUT_LIMITS.maxBlocks} blocks.`,
          "LAYOUT_TOO_LARGE",
        );
      }
      const nested = (item as { children?: unknown } | null)?.children;
      if (Array.isArray(nested)) pending.push({ blocks: nested, depth: depth + 1 });
    }
  }
}

/**
 * Validates a layout's blocks: caps first, then each block against its type's schema. Text is
 * data: HTML in it is kept as typed characters, never interpreted. BAD_USER_INPUT names the
 * first bad field (`blocks.2.children.0.heading`); an unknown type names `blocks.N.type`.
 */
export function validateLayout(value: unknown): LayoutBlock[] {
  checkShape(value);
  const result = z.array(block).safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ["blocks", ...issue.path.map(String)].join(".");
  const unknownType =
    issue.code === "invalid_union" && issue.path[issue.path.length - 1] !== "type";
  throw RampartError.badInput(
    unknownType
      ? `${field}.type must be one of ${BLOCK_TYPES.join(", ")}.`
      : `${field} ${issue.message}.`,
    unknownType ? `${field}.type` : field,
  );
}

/** Paths are `/` or `/`-separated lower-case segments of letters, digits and hyphens. */
export function validatePath(path: string): string {
  if (path.length > 200 || !/^\/([a-z0-9-]+(\/[a-z0-9-]+)*)?$/.test(path)) {
    throw RampartError.badInput(
      "path must be / or lower-case segments of letters, digits and hyphens, such as /collections/summer.",
      "path",
    );
  }
  return path;
}
