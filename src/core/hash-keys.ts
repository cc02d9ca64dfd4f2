/**
 * The keys duplicate hashes are made with (`DEDUPE_HASH_KEY`). Each has an id, written as the
 * stored hash's prefix (`k1:…`), so a hash says which key made it. The variable holds either
 * one secret — the key `k1`, as before rotation existed — or, to rotate, a list
 * `k2:<new secret>,k1:<old secret>`: the first key writes every new hash, and every key in the
 * list is looked up, so duplicates of leads hashed under the old key are still caught. The old
 * key leaves the list once its newest hash is older than the longest duplicate window.
 */
export interface HashKey {
  /** `k` and a number: the stored hash's prefix without its colon. */
  id: string;
  secret: string;
}

const LIST = /^k\d+:[^,]+(,k\d+:[^,]+)*$/;

/**
 * The keys in `value`, the writing key first; undefined when it is unset or empty. Throws on a
 * list that names a key id twice (two secrets for one prefix could never both match).
 */
export function parseHashKeys(value: string | undefined): HashKey[] | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (!LIST.test(v)) return [{ id: "k1", secret: v }];
  const keys = v.split(",").map((part) => {
    const colon = part.indexOf(":");
    return { id: part.slice(0, colon), secret: part.slice(colon + 1) };
  });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new Error("DEDUPE_HASH_KEY names a key id twice: each of k1, k2, … may appear once");
  return keys;
}
