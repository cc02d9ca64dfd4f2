const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A time-sortable id: `<prefix>_<10 chars of ms time><16 random chars>` (Crockford base32,
 * lower case). Sorting ids sorts by creation time, which keeps D1 indexes append-mostly.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${prefix}_${time}${rand}`;
}

/** When an id from `newId` was made (ms), read back from its time part; undefined for another shape. */
export function idTimeMs(id: string): number | undefined {
  const part = id.slice(id.indexOf("_") + 1, id.indexOf("_") + 11);
  if (part.length !== 10) return undefined;
  let t = 0;
  for (const ch of part) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    t = t * 32 + v;
  }
  return t;
}
