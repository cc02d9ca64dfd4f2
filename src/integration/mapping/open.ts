/**
 * Open field rules: `{"to": "…", "required": true, "open": "no lead field matched; candidates: …"}`.
 * `npm run buyer:new` writes one for each buyer field it could not decide, so the decision stays
 * visible: buyers:check fails on it and the registry refuses the buyer until a person replaces
 * `open` with `from`, `value` or `compute`.
 */
import type { BuyerConfig } from "../config";
import { formatPath, parsePath } from "../path";
import type { MappingConfig } from "./schema";

/** One open rule: its index in `mapping.fields`, its target and the reason it is open. */
export interface OpenRule {
  index: number;
  to: string;
  reason: string;
}

/** The open rules of a mapping (none for templates). */
export function openRules(mapping: MappingConfig): OpenRule[] {
  if (!("fields" in mapping)) return [];
  const out: OpenRule[] = [];
  mapping.fields.forEach((r, index) => {
    if (r.open !== undefined) out.push({ index, to: r.to, reason: r.open });
  });
  return out;
}

/** One problem per open rule, worded for buyers:check and the registry's load errors. */
export function openRuleProblems(mapping: MappingConfig): { path: string; message: string }[] {
  return openRules(mapping).map((o) => ({
    path: `mapping.fields[${o.index}] (${o.to})`,
    message: `open, no source decided: ${o.reason} (replace "open" with "from", "value" or "compute")`,
  }));
}

/** Targets of the open rules as validateMapping writes paths (`a.b[0].c`). */
export function openTargets(mapping: MappingConfig): Set<string> {
  const out = new Set<string>();
  for (const o of openRules(mapping)) {
    try {
      out.add(formatPath(parsePath(o.to)));
    } catch {
      out.add(o.to);
    }
  }
  return out;
}

/** The same buyer without its open rules, so every other check can still run on it. */
export function withoutOpenRules(buyer: BuyerConfig): BuyerConfig {
  const m = buyer.mapping;
  if (!("fields" in m)) return buyer;
  return { ...buyer, mapping: { ...m, fields: m.fields.filter((r) => r.open === undefined) } };
}
