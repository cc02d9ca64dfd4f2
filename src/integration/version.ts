import type { BuyerConfig } from "./config";

/**
 * A buyer config's version: a 53-bit fingerprint (cyrb53) of its JSON, as 14 hex digits. The
 * waterfall names a buyer to its BuyerGate by id and version instead of sending the whole
 * config on every call; the same function runs at build time (src/cli/bundle-buyers.mjs) and in
 * the Worker, so a bundled config and the same config sent at runtime agree.
 */
export function fingerprint(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

const versions = new WeakMap<BuyerConfig, string>();

/** Records the version a config was built with (the registry does, from the build). */
export function rememberVersion(buyer: BuyerConfig, version: string): void {
  versions.set(buyer, version);
}

/** The config's version: recorded by the registry, else computed once per config object. */
export function configVersion(buyer: BuyerConfig): string {
  let v = versions.get(buyer);
  if (v === undefined) {
    v = fingerprint(JSON.stringify(buyer));
    versions.set(buyer, v);
  }
  return v;
}
