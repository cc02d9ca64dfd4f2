/**
 * The randomness routing uses (EPL's exploration). Seeded and injectable: tests set a seeded
 * source and get the same draws on every run; production draws from the platform's CSPRNG.
 */

/** A draw in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast PRNG whose sequence depends only on its seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const systemRandom: Random = () => {
  const b = new Uint32Array(1);
  crypto.getRandomValues(b);
  return (b[0] ?? 0) / 4294967296;
};

let current: Random = systemRandom;

/** The source routing draws from now. */
export function routingRandom(): Random {
  return current;
}

/** Replaces the source (tests: `setRoutingRandom(seededRandom(42))`); undefined restores the system's. */
export function setRoutingRandom(r: Random | undefined): void {
  current = r ?? systemRandom;
}
