/**
 * Control characters in lead text. Intake *refuses* them (400 naming the field) instead of
 * stripping them: a name with a NUL or a right-to-left override in it is not a name any buyer
 * should get, and a silently altered value would be worse than a clear refusal the source can
 * fix. Refusing at intake is what keeps every wire format clean, since JSON, XML, form, query,
 * CSV, SOAP and templates all serialize the stored lead: nothing that is refused here can reach
 * one of them (XML would otherwise drop such characters, form/query/CSV pass them on).
 *
 * The rule, the same for every text field (after the usual trim of surrounding whitespace):
 * - never: C0 controls (U+0000–U+001F) other than tab, line feed and carriage return; DEL
 *   (U+007F); C1 controls (U+0080–U+009F); the bidirectional embedding, override and isolate
 *   controls (U+202A–U+202E, U+2066–U+2069), which make text display differently from its bytes.
 * - in single-line fields (names, address, email, ids, custom fields the vertical types): also
 *   no tab, line feed, carriage return, or Unicode line / paragraph separator (U+2028, U+2029).
 *   Multi-line fields (the TCPA text, free-text custom fields) keep them: every format encodes
 *   a line break safely.
 */

const NEVER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;
const LINE_BREAKS = /[\t\n\r\u2028\u2029]/u;

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Why `text` may not be stored, or undefined when it may. */
export function controlCharacterProblem(text: string, multiline: boolean): string | undefined {
  const bad = NEVER.exec(text);
  if (bad) {
    const ch = bad[0];
    const bidi = /[\u202A-\u202E\u2066-\u2069]/u.test(ch);
    return bidi
      ? `contains a bidirectional control character (${codePoint(ch)}), which is not allowed`
      : `contains a control character (${codePoint(ch)}), which is not allowed`;
  }
  if (!multiline) {
    const lb = LINE_BREAKS.exec(text);
    if (lb) return `is a single line: it may not contain a tab or line break (${codePoint(lb[0])})`;
  }
  return undefined;
}
