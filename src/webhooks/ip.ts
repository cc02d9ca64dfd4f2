import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a /32 or /128); undefined when invalid. */
function parseRange(entry: string): Range | undefined {
  try {
    if (entry.includes("/")) return ipaddr.parseCIDR(entry);
    const addr = ipaddr.parse(entry);
    return [addr, addr.kind() === "ipv4" ? 32 : 128];
  } catch {
    return undefined;
  }
}

/**
 * Compiles a CIDR allowlist into a predicate over the caller's address (CF-Connecting-IP).
 * An empty or absent list allows everyone; with a list, a missing or unparsable address is
 * refused. IPv4-mapped IPv6 (`::ffff:203.0.113.7`) is matched as the IPv4 address it carries.
 */
export function compileAllowlist(list: readonly string[] | undefined): (ip: string | undefined | null) => boolean {
  if (!list || list.length === 0) return () => true;
  const ranges = list.map(parseRange).filter((r): r is Range => r !== undefined);
  return (ip) => {
    if (!ip) return false;
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      addr = ipaddr.process(ip.trim());
    } catch {
      return false;
    }
    // match() throws across families, so compare only like with like.
    return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
  };
}

/** True when `ip` is inside one of the CIDRs (or the list is empty). */
export function ipAllowed(ip: string | undefined | null, list: readonly string[] | undefined): boolean {
  return compileAllowlist(list)(ip);
}
