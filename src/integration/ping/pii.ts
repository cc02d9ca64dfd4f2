import type { BuyerConfig } from "../config";
import { formatPath, parseLeadPath } from "../path";
import { PII_FIELDS, type PiiField } from "./pii-fields";
import type { PingConfig } from "./schema";

/** One ping mapping read of personal data the buyer is not allowed. */
export interface PiiProblem {
  path: string;
  message: string;
}

/** The personal field a lead path reads (itself, inside it, or an object holding it), if any. */
export function piiFieldOf(path: string): PiiField | undefined {
  let p: string;
  try {
    p = formatPath(parseLeadPath(path));
  } catch {
    return undefined;
  }
  // `lead` alone (the whole lead) or `address` (an object holding the street) reads them too.
  if (p === "lead") return PII_FIELDS[0];
  return PII_FIELDS.find((f) => p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`) || f.startsWith(`${p}.`));
}

/** Every lead path a template's placeholders read: `{{lead.x}}`, `{{fn(lead.x, …)}}`. */
function templatePaths(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{\{(.+?)\}\}/g)) {
    for (const p of (m[1] ?? "").matchAll(/\blead(?:\.[A-Za-z_$][\w$]*|\[\d+\])*/g)) out.push(p[0]);
  }
  return out;
}

/**
 * The reads of personal data (name, e-mail, phone, street, date of birth) in a ping mapping
 * that `ping.allowPii` does not allow — through `from`, a computed function's arguments, a
 * `when` condition or a template placeholder. A ping goes to buyers before they buy: it must
 * not give the consumer away.
 */
export function pingPiiProblems(ping: PingConfig): PiiProblem[] {
  const allowed = new Set<string>(ping.allowPii);
  const out: PiiProblem[] = [];
  const check = (leadPath: string, where: string) => {
    const f = piiFieldOf(leadPath);
    if (f && !allowed.has(f)) {
      out.push({
        path: where,
        message: `a ping must not carry personal data: it reads lead.${f}; send a non-identifying form (e.g. format {"phone": "area_code"} or {"sha256": true}) and list "${f}" in ping.allowPii if the buyer's contract allows it`,
      });
    }
  };
  const m = ping.mapping;
  if ("fields" in m) {
    m.fields.forEach((rule, i) => {
      const at = `ping.mapping.fields[${i}] (${rule.to})`;
      if (rule.from !== undefined) check(rule.from, at);
      for (const a of rule.compute?.args ?? []) check(a, at);
      if (rule.when) check(rule.when.field, `${at}.when`);
    });
  } else {
    for (const p of templatePaths(m.template)) check(p, "ping.mapping.template");
  }
  return out;
}

/** The same check on a whole buyer config (none for a direct-post buyer). */
export function buyerPingProblems(buyer: BuyerConfig): PiiProblem[] {
  return buyer.ping ? pingPiiProblems(buyer.ping) : [];
}
