import type { NormalizedLead } from "../../core/lead";
import type { ComputeEnv } from "../computed";
import { getComputed } from "../computed";
import { compileGetter, parseLeadPath } from "../path";
import type { MappingWarning } from "../types";
import type { MappingIssue } from "./compile";
import { MappingConfigError } from "./compile";
import { formatBoolean, formatDate, formatMoney, formatPhone, formatZip5, roundTo, sha256Text, toNumber, truncate } from "./formatters";

/**
 * `{{lead.first_name}}` / `{{formatPhone(lead.phone, "dashed")}}` templates. Parsed once into
 * literal text and compiled expressions; each value is escaped for the wire format where it
 * lands (inside a JSON string, outside one, XML text, a form value, a CSV cell).
 */

type Eval = (lead: NormalizedLead, env: ComputeEnv) => unknown;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined);

/** Built-in template helpers; computed registry functions are callable by name as well. */
export const templateHelpers: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  formatPhone: (v, style) => formatPhone(v, typeof style === "string" ? style : "digits10"),
  formatDate: (v, pattern, tz) => formatDate(v, typeof pattern === "string" ? pattern : "YYYY-MM-DD", typeof tz === "string" ? tz : undefined),
  formatBoolean: (v, style) => formatBoolean(v, typeof style === "string" ? style : "true_false"),
  formatMoney: (v, decimals, symbol) => formatMoney(v, typeof decimals === "number" ? decimals : 2, typeof symbol === "string" ? symbol : ""),
  round: (v, decimals) => {
    const n = toNumber(v);
    return n === undefined ? undefined : roundTo(n, typeof decimals === "number" ? decimals : 0);
  },
  upper: (v) => str(v)?.toUpperCase(),
  lower: (v) => str(v)?.toLowerCase(),
  trim: (v) => str(v)?.trim(),
  truncate: (v, n) => {
    const s = str(v);
    return s === undefined || typeof n !== "number" ? s : truncate(s, n);
  },
  zip5: (v) => formatZip5(v),
  sha256: (v) => sha256Text(v),
  areaCode: (v) => formatPhone(v, "area_code"),
  default: (v, fallback) => (v === undefined || v === null || v === "" ? fallback : v),
};

interface Cursor {
  src: string;
  i: number;
}

function skipWs(c: Cursor): void {
  while (c.i < c.src.length && /\s/.test(c.src[c.i] as string)) c.i++;
}

function parseExpr(c: Cursor, where: string): Eval {
  skipWs(c);
  const rest = c.src.slice(c.i);
  let m: RegExpExecArray | null;
  if ((m = /^"(?:[^"\\]|\\.)*"/.exec(rest))) {
    c.i += m[0].length;
    const v: unknown = JSON.parse(m[0]);
    return () => v;
  }
  if ((m = /^-?\d+(\.\d+)?/.exec(rest))) {
    c.i += m[0].length;
    const v = Number(m[0]);
    return () => v;
  }
  if ((m = /^(true|false|null)\b/.exec(rest))) {
    c.i += m[0].length;
    const v: unknown = JSON.parse(m[0]);
    return () => v;
  }
  if ((m = /^lead(?:\.[A-Za-z_$][\w$]*|\[\d+\])*/.exec(rest))) {
    c.i += m[0].length;
    return compileGetter(parseLeadPath(m[0])) as Eval;
  }
  // Ping/post: `bid.id`, `bid.price` … read the winning bid from the build context.
  if ((m = /^bid(?:\.[A-Za-z_$][\w$]*)+/.exec(rest))) {
    c.i += m[0].length;
    const get = compileGetter(parseLeadPath(m[0]).slice(1));
    return (_lead, env) => get(env.bid);
  }
  if ((m = /^([A-Za-z_]\w*)\s*\(/.exec(rest))) {
    const name = m[1] as string;
    c.i += m[0].length;
    const args: Eval[] = [];
    skipWs(c);
    if (c.src[c.i] === ")") c.i++;
    else {
      for (;;) {
        args.push(parseExpr(c, where));
        skipWs(c);
        const ch = c.src[c.i];
        c.i++;
        if (ch === ")") break;
        if (ch !== ",") throw new MappingConfigError(where, `expected "," or ")" in {{${c.src}}}`);
      }
    }
    const helper = Object.hasOwn(templateHelpers, name) ? templateHelpers[name] : undefined;
    if (helper) return (lead, env) => helper(...args.map((a) => a(lead, env)));
    const fn = getComputed(name);
    if (fn)
      return (lead, env) =>
        fn.fn(
          args.map((a) => a(lead, env)),
          {},
          env,
        );
    throw new MappingConfigError(where, `unknown template function "${name}"`);
  }
  throw new MappingConfigError(where, `cannot read placeholder {{${c.src}}}`);
}

/** Parses one placeholder expression (without braces). */
export function compileExpression(src: string, where = "mapping.template"): Eval {
  const c: Cursor = { src, i: 0 };
  const e = parseExpr(c, where);
  skipWs(c);
  if (c.i !== src.length) throw new MappingConfigError(where, `unexpected text in {{${src}}}`);
  return e;
}

export type TemplateContext = "json-string" | "json-value" | "text";

interface Part {
  lit: string;
  expr?: Eval;
  src?: string;
  ctx: TemplateContext;
}

/** For JSON, whether the end of `text` is inside a string literal, given the state at its start. */
function jsonStringStateAfter(text: string, inString: boolean): boolean {
  let s = inString;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (s && ch === "\\") i++;
    else if (ch === '"') s = !s;
  }
  return s;
}

export interface TemplateResult {
  body: string;
  warnings: MappingWarning[];
  issues: MappingIssue[];
}

/**
 * Compiles a template for a format family: `json` makes placeholders context-aware (inside a
 * string → escaped text; outside → a JSON value, `null` when missing); others use `escapeText`.
 */
export function compileTemplate(
  template: string,
  family: "json" | "other",
  escapeText: (s: string) => string,
  required: readonly string[] = [],
): (lead: NormalizedLead, env: ComputeEnv) => TemplateResult {
  const parts: Part[] = [];
  const re = /\{\{\s*(.+?)\s*\}\}/g;
  let last = 0;
  let inString = false;
  for (const m of template.matchAll(re)) {
    const lit = template.slice(last, m.index);
    if (family === "json") inString = jsonStringStateAfter(lit, inString);
    const src = m[1] as string;
    parts.push({ lit, expr: compileExpression(src), src, ctx: family === "json" ? (inString ? "json-string" : "json-value") : "text" });
    last = m.index + m[0].length;
  }
  parts.push({ lit: template.slice(last), ctx: "text" });
  const requiredSet = new Set(required.map((r) => r.trim()));

  return (lead, env) => {
    const warnings: MappingWarning[] = [];
    const issues: MappingIssue[] = [];
    let body = "";
    for (const p of parts) {
      body += p.lit;
      if (!p.expr || p.src === undefined) continue;
      const v = p.expr(lead, env);
      const missing = v === undefined || v === null || v === "";
      if (missing && requiredSet.has(p.src)) issues.push({ field: p.src, message: "required placeholder has no value" });
      if (p.ctx === "json-value") {
        body += missing ? "null" : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(str(v) ?? v);
      } else if (!missing) {
        const s = str(v) ?? JSON.stringify(v);
        body += p.ctx === "json-string" ? JSON.stringify(s).slice(1, -1) : escapeText(s);
      }
    }
    return { body, warnings, issues };
  };
}
