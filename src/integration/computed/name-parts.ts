const SUFFIX = /^(jr|sr|ii|iii|iv|v|md|phd)\.?$/i;

/** `Mary Ann Smith Jr.` → first `Mary Ann`, last `Smith Jr.`: the surname is the last word plus any suffix. */
export function splitName(full: unknown): { first: string; last?: string } | undefined {
  if (typeof full !== "string") return undefined;
  const words = full.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if (words.length === 1) return { first: words[0] as string };
  let cut = words.length - 1;
  if (cut > 1 && SUFFIX.test(words[cut] as string)) cut--;
  return { first: words.slice(0, cut).join(" "), last: words.slice(cut).join(" ") };
}
