/**
 * Reads a buyer's answer with its response rules: outcome (accepted / rejected / error /
 * pending / unrecognized), the buyer's lead id, reasons, price and redirect URL. Pure and total:
 * whatever the buyer sends (empty, malformed, binary), the result is a ParsedResponse.
 */

import { headerValue, parseBody } from "../extract";
import type { BuyerResponse, ParsedResponse } from "../types";
import { extractAll, extractFirst, parsePrice, readErrors } from "./fields";
import { defaults, ruleHolds } from "./outcome-rules";
import type { OutcomeRule, ResponseRules } from "./schema";
import { soapFault } from "./soap-fault";

// The parts live beside this file (outcome-rules.ts, fields.ts, soap-fault.ts); their public
// functions stay importable from here.
export { parsePrice, readErrors } from "./fields";
export { defaults } from "./outcome-rules";
export { soapFault } from "./soap-fault";

const compiledDefaults = new WeakMap<ResponseRules, OutcomeRule[]>();

function allRules(rules: ResponseRules): OutcomeRule[] {
  if (rules.statusField === undefined) return rules.rules;
  let hit = compiledDefaults.get(rules);
  if (!hit) {
    hit = [...rules.rules, ...defaults(rules.statusField)];
    compiledDefaults.set(rules, hit);
  }
  return hit;
}

function interpret(rules: ResponseRules, res: BuyerResponse): ParsedResponse {
  const body = parseBody(res.body ?? "", headerValue(res.headers, "content-type"), rules.contentType);

  let outcome: ParsedResponse["outcome"] = "unrecognized";
  let pending = false;
  let fixedReason: string | undefined;

  const fault = rules.soapFaults ? soapFault(body) : undefined;
  if (fault) {
    outcome = "error";
    fixedReason = fault.reason;
  } else {
    for (const rule of allRules(rules)) {
      if (!ruleHolds(body, res.status, rule)) continue;
      if (rule.outcome === "pending") {
        // The delivery layer reads `pending` first; the buyer has taken the lead for now.
        outcome = "accepted";
        pending = true;
      } else {
        outcome = rule.outcome;
      }
      fixedReason = rule.reason;
      break;
    }
  }

  const out: ParsedResponse = { outcome };
  if (pending) out.pending = true;
  const id = extractFirst(body, rules.buyerLeadId);
  if (id !== undefined) out.buyerLeadId = id;
  let reasons: string[];
  if (fault) reasons = [fault.reason];
  else {
    // The vendor's own codes first; a plain reason already said inside one of them is not repeated.
    const errors = readErrors(body, rules.errors);
    reasons = [...errors, ...extractAll(body, rules.reason).filter((r) => !errors.some((e) => e.includes(r)))];
  }
  const reason = reasons.length ? reasons.join("; ") : fixedReason;
  if (reason !== undefined && reason !== "") out.reason = reason;
  let price = parsePrice(extractFirst(body, rules.price));
  if (price === undefined && outcome === "accepted" && !pending) price = rules.fallbackPrice;
  if (price !== undefined) out.price = price;
  const redirect = extractFirst(body, rules.redirectUrl);
  if (redirect !== undefined) out.redirectUrl = redirect;
  return out;
}

/**
 * Interprets a buyer's answer with its rules. Order: a SOAP Fault (unless `soapFaults: false`)
 * is an error; then the explicit rules in order, then the status-field shorthand; nothing
 * matched → "unrecognized" (the delivery layer keeps the body). Never throws.
 */
export function parseResponse(rules: ResponseRules, res: BuyerResponse): ParsedResponse {
  try {
    return interpret(rules, res);
  } catch {
    // Defensive: a parser bug must not crash a delivery; an unreadable answer is just that.
    return { outcome: "unrecognized" };
  }
}
