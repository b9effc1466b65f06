/** Whether `value` is an IPv4 or IPv6 address with an optional prefix length (`10.0.0.0/8`). */
export function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.trim().split("/");
  if (rest.length || !address) return false;
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(
    address,
  );
  const v6 = !v4 && isIpv6(address);
  if (!v4 && !v6) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (v4 ? 32 : 128);
}

function isIpv6(address: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(address) || address.split("::").length > 2) return false;
  // ":::", or a single colon at either end, is no IPv6 address.
  if (address.includes(":::") || /^:[^:]|[^:]:$/.test(address)) return false;
  const groups = address.split(":");
  const compressed = address.includes("::");
  const last = groups[groups.length - 1];
  const embeddedV4 = last.includes(".");
  const count = groups.filter(Boolean).length + (embeddedV4 ? 1 : 0);
  if (embeddedV4 && !/^(\d{1,3}\.){3}\d{1,3}$/.test(last)) return false;
  const hexGroups = (embeddedV4 ? groups.slice(0, -1) : groups).filter(Boolean);
  if (!hexGroups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return false;
  return compressed ? count < 8 : count === 8;
}

/** Whether the range allows every address (`0.0.0.0/0`, `::/0`): the server refuses it unless told. */
export const allowsEverywhere = (value: string): boolean => /\/0$/.test(value.trim());
