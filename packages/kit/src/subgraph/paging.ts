/** Largest page any list field returns. */
export const MAX_PAGE_SIZE = 100;

/** Clamps a requested page size to 1..{@link MAX_PAGE_SIZE}. */
export function clampPage(first: number): number {
  return Math.min(Math.max(Math.trunc(first), 1), MAX_PAGE_SIZE);
}
