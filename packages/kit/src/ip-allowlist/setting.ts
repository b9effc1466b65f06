import { z } from "zod";
import { parseIpRange } from "./ip-range";

/**
 * A comma-separated list of IP ranges in an environment variable (`ADMIN_IP_ALLOWLIST`,
 * `TRUSTED_PROXIES`), parsed into normalized CIDRs without duplicates. A bad item stops
 * start-up with the item and the reason; `fallback` is used when the variable is unset or empty.
 */
export const ipRangeListSetting = (fallback: string, hint: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const ranges: string[] = [];
      for (const item of value.split(",").map((part) => part.trim())) {
        if (item === "") continue;
        const parsed = parseIpRange(item);
        if (!parsed.ok) {
          context.addIssue({ code: "custom", message: `"${item}" is refused: ${parsed.reason}` });
          return z.NEVER;
        }
        if (!ranges.includes(parsed.range.cidr)) ranges.push(parsed.range.cidr);
      }
      return ranges;
    })
    .describe(hint);
