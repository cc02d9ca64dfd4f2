import type { ComputedFunction } from "./types";

const DEFAULT_TEMPLATE = "{text} Consent given {timestamp} (TrustedForm {url}).";
const PLACEHOLDER = /\{(text|url|timestamp)\}/g;

/** A template split into literal text and placeholder slots (0 text, 1 url, 2 timestamp). */
type Pieces = readonly (string | 0 | 1 | 2)[];

function split(tpl: string): Pieces {
  const out: (string | 0 | 1 | 2)[] = [];
  let last = 0;
  for (const m of tpl.matchAll(PLACEHOLDER)) {
    if (m.index > last) out.push(tpl.slice(last, m.index));
    out.push(m[1] === "text" ? 0 : m[1] === "url" ? 1 : 2);
    last = m.index + m[0].length;
  }
  if (last < tpl.length) out.push(tpl.slice(last));
  return out;
}

// A buyer's template is the same on every lead: split once, not scanned per call.
const DEFAULT_PIECES = split(DEFAULT_TEMPLATE);
const splitTemplates = new Map<string, Pieces>();

function piecesOf(tpl: string): Pieces {
  if (tpl === DEFAULT_TEMPLATE) return DEFAULT_PIECES;
  let p = splitTemplates.get(tpl);
  if (!p) {
    if (splitTemplates.size > 1000) splitTemplates.clear();
    p = split(tpl);
    splitTemplates.set(tpl, p);
  }
  return p;
}

function orNa(v: unknown): string {
  return typeof v === "string" && v !== "" ? v : "n/a";
}

/**
 * The disclosure the consumer agreed to, with its evidence, as one text (args: tcpa_text,
 * trustedform url, consented_at; options.template with {text} {url} {timestamp}).
 */
export const consent_text: ComputedFunction = {
  name: "consent_text",
  description: "Consent disclosure with TrustedForm URL and timestamp (args: text, url, timestamp; options: template)",
  output: "string",
  minArgs: 1,
  fn([text, url, ts], options) {
    if (typeof text !== "string") return undefined;
    const t = text.trim();
    if (t === "") return undefined;
    const pieces = piecesOf(typeof options.template === "string" ? options.template : DEFAULT_TEMPLATE);
    // One pass over the pieces, so a value that itself contains "{url}" is never substituted again.
    let out = "";
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      out += p === 0 ? t : p === 1 ? orNa(url) : p === 2 ? orNa(ts) : (p as string);
    }
    return out;
  },
};
