/**
 * The values an answer carries beside its outcome: the buyer's lead id, reasons (plain and
 * vendor error lists), price and redirect URL, read through the rules' selectors.
 */
import type { ParsedBody, Selector } from "../extract";
import { jsonPathAll, selectAll, toText } from "../extract";
import type { ErrorList, Extract } from "./schema";

function selectorsOf(e: Extract): Selector[] {
  const list = Array.isArray(e) ? e : [e];
  return list.map((x) => (typeof x === "string" ? { jsonPath: x } : x));
}

/** The first value any of the selectors finds (they are tried in order). */
export function extractFirst(body: ParsedBody, e: Extract | undefined): string | undefined {
  if (e === undefined) return undefined;
  for (const s of selectorsOf(e)) {
    const v = selectAll(body, s)[0];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Every value all the selectors find, duplicates dropped. */
export function extractAll(body: ParsedBody, e: Extract | undefined): string[] {
  if (e === undefined) return [];
  const out: string[] = [];
  for (const s of selectorsOf(e)) for (const v of selectAll(body, s)) if (!out.includes(v)) out.push(v);
  return out;
}

function firstText(item: unknown, paths: string | string[] | undefined): string | undefined {
  if (paths === undefined) return undefined;
  for (const p of Array.isArray(paths) ? paths : [paths]) {
    for (const v of jsonPathAll(item, p)) {
      const t = toText(v)?.trim();
      if (t) return t;
    }
  }
  return undefined;
}

function allTexts(item: unknown, path: string): string[] {
  const out: string[] = [];
  for (const v of jsonPathAll(item, path)) {
    const t = toText(v)?.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * The vendor's structured errors as text: `CODE: message (fields: a, b; policy: X)`, one entry
 * per error object, duplicates dropped. An item with neither code nor message adds nothing.
 */
export function readErrors(body: ParsedBody, lists: ErrorList[] | undefined): string[] {
  if (!lists || body.data === undefined) return [];
  const out: string[] = [];
  for (const list of lists) {
    for (const item of jsonPathAll(body.data, list.items)) {
      if (item === null || typeof item !== "object") continue;
      const code = firstText(item, list.code);
      const message = firstText(item, list.message);
      if (code === undefined && message === undefined) continue;
      let text = code !== undefined && message !== undefined ? `${code}: ${message}` : (code ?? message ?? "");
      const extras: string[] = [];
      const fields = list.fields ? allTexts(item, list.fields) : [];
      if (fields.length) extras.push(`fields: ${fields.join(", ")}`);
      for (const [label, path] of Object.entries(list.details ?? {})) {
        const values = allTexts(item, path);
        if (values.length) extras.push(`${label}: ${values.join(", ")}`);
      }
      if (extras.length) text += ` (${extras.join("; ")})`;
      if (!out.includes(text)) out.push(text);
    }
  }
  return out;
}

/** "$1,250.00" → 1250; undefined for anything that is not a finite non-negative amount. */
export function parsePrice(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const cleaned = s.replace(/[$€£,\s]|USD/gi, "");
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(cleaned)) return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : undefined;
}
