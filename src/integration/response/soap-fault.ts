/**
 * A SOAP 1.1 or 1.2 Fault in an XML answer: its code and reason, whatever the namespace prefix.
 */
import type { ParsedBody } from "../extract";
import { toText } from "../extract";

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function faultText(v: unknown): string | undefined {
  const x = first(v);
  const t = toText(x);
  if (t !== undefined) return t.trim() || undefined;
  // SOAP 1.2 Reason/Text and Code/Value are nested one more level.
  if (x !== null && typeof x === "object") {
    const o = x as Record<string, unknown>;
    return faultText(o.Text ?? o.Value);
  }
  return undefined;
}

/**
 * A SOAP 1.1 (`faultcode`/`faultstring`) or 1.2 (`Code/Value`, `Reason/Text`) Fault in an XML
 * body parsed with namespace prefixes removed; undefined when the body is no fault.
 */
export function soapFault(body: ParsedBody): { code?: string; reason: string } | undefined {
  if (body.kind !== "xml" || body.data === null || typeof body.data !== "object") return undefined;
  const env = first((body.data as Record<string, unknown>).Envelope);
  if (env === null || typeof env !== "object") return undefined;
  const b = first((env as Record<string, unknown>).Body);
  if (b === null || typeof b !== "object") return undefined;
  const f = first((b as Record<string, unknown>).Fault);
  if (f === null || f === undefined || typeof f !== "object") return undefined;
  const fo = f as Record<string, unknown>;
  const code = faultText(fo.faultcode ?? fo.Code);
  const reason = faultText(fo.faultstring ?? fo.Reason) ?? code ?? "SOAP fault";
  return code !== undefined ? { code, reason } : { reason };
}
