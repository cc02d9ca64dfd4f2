/**
 * Which wire formats can write a text as it is, without escaping or encoding: one bit per
 * format. The mapping works these out per rule at compile time (mapping/text-safety.ts) so the
 * fast writers skip the per-lead check for text that cannot need it.
 */

/** No `"`, `\`, control character or surrogate: JSON writes the string as it is, between quotes. */
export const SAFE_JSON = 1;
/** No `&<>"'` and no character XML 1.0 forbids: XML writes it as it is. */
export const SAFE_XML = 2;
/** Only `A-Za-z0-9*-._`: form encoding writes it as it is. */
export const SAFE_FORM = 4;
/** Plain in every format. */
export const SAFE_ALL = SAFE_JSON | SAFE_XML | SAFE_FORM;

// The characters JSON.stringify escapes, and those XML escapes or drops.
export const JSON_SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/;
export const XML_SPECIAL = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const FORM_PLAIN = /^[A-Za-z0-9*._-]*$/;

/** The formats that can write `s` as it is. */
export function textSafety(s: string): number {
  return (JSON_SPECIAL.test(s) ? 0 : SAFE_JSON) | (XML_SPECIAL.test(s) ? 0 : SAFE_XML) | (FORM_PLAIN.test(s) ? SAFE_FORM : 0);
}
