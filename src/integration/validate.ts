import { XMLParser } from "fast-xml-parser";
import type { BuyerConfig } from "./config";
import { ConfigError } from "./errors";
import { MappingConfigError } from "./mapping/compile";
import { openRuleProblems, openTargets, withoutOpenRules } from "./mapping/open";
import { compileBuyer, type RenderResult } from "./mapping/request";
import { sampleLead } from "./mapping/sample-lead";
import { type ValidationProblem, validateMappedPayload } from "./spec-check/payload";
import { staticChecks } from "./spec-check/static";

export { type ValidationProblem, validateMappedPayload } from "./spec-check/payload";

import { buyerPingProblems } from "./ping/pii";
import { pingBuyerOf } from "./ping/request";

/** The bid a sample post answers, so a post mapping's `bid.*` fields are checked like the rest. */
const SAMPLE_BID = { id: "bid-sample-1", price: 42.5, expires_at: "2026-11-25T12:05:00.000Z", ping_id: "png_sample" };

function unflatten(pairs: Iterable<[string, string]>): Record<string, unknown> {
  // Null-prototype objects: a rendered key such as `__proto__.x` becomes data, never a write to Object.prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of pairs) {
    let cur = out;
    const segs = k.split(".");
    segs.forEach((s, i) => {
      if (i === segs.length - 1) cur[s] = v;
      else cur = (cur[s] ??= Object.create(null)) as Record<string, unknown>;
    });
  }
  return out;
}

/** Parses a rendered template back into an object so it can be checked against the spec. */
function parseRendered(buyer: BuyerConfig, body: string): unknown {
  switch (buyer.format.type) {
    case "json":
      return JSON.parse(body) as unknown;
    case "form":
    case "query":
      return unflatten(new URLSearchParams(body));
    case "xml": {
      const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false }).parse(body) as Record<string, unknown>;
      return doc[buyer.format.root];
    }
    case "soap11":
    case "soap12": {
      const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true }).parse(body) as Record<
        string,
        Record<string, Record<string, unknown>>
      >;
      return doc.Envelope?.Body?.[buyer.format.operation];
    }
    case "csv":
      return undefined;
  }
}

/**
 * Checks a buyer's mapping against its `spec`: every required buyer field mapped (and always
 * present), exact case-sensitive names, types, enums (translation outputs included), max
 * lengths, patterns and nested structure; then maps a realistic sample lead per vertical and
 * checks the real payload. Every problem is listed.
 */
export function validateMapping(
  buyer: BuyerConfig,
  now: () => number = () => Date.parse("2026-11-25T12:00:00Z"),
): { ok: boolean; problems: ValidationProblem[] } {
  // Open rules (buyer:new's undecided fields) are problems; the rest is checked without them.
  const open = openRuleProblems(buyer.mapping);
  if (open.length) {
    const targets = openTargets(buyer.mapping);
    const rest = validateMapping(withoutOpenRules(buyer), now).problems.filter((p) => !targets.has(p.path.replace(/^spec\./, "")));
    return { ok: false, problems: [...open, ...rest] };
  }
  const problems: ValidationProblem[] = [];
  try {
    compileBuyer(buyer);
  } catch (e) {
    if (e instanceof MappingConfigError) problems.push({ path: e.field, message: e.message.slice(e.field.length + 2) });
    else problems.push({ path: "mapping", message: (e as Error).message });
    return { ok: false, problems };
  }
  // Ping/post: the ping mapping compiles and carries no personal data the buyer may not have.
  const pb = pingBuyerOf(buyer);
  if (pb) {
    try {
      compileBuyer(pb);
    } catch (e) {
      if (e instanceof MappingConfigError) problems.push({ path: `ping.${e.field}`, message: e.message.slice(e.field.length + 2) });
      else problems.push({ path: "ping.mapping", message: (e as Error).message });
    }
    problems.push(...buyerPingProblems(buyer));
    if (problems.length) return { ok: false, problems };
  }
  const spec = buyer.spec;
  if (!spec) return { ok: true, problems };
  const m = buyer.mapping;
  if ("fields" in m) staticChecks(spec, m.fields, problems);

  const c = compileBuyer(buyer);
  for (const vertical of buyer.verticals) {
    const lead = sampleLead(vertical);
    let r: RenderResult;
    try {
      r = c.render(lead, { now, bid: SAMPLE_BID }, () => "secret-value");
    } catch (e) {
      if (e instanceof ConfigError) continue; // missing secrets are the config check's business
      throw e;
    }
    const where = `sample ${vertical} lead`;
    for (const i of r.issues) problems.push({ path: i.field, message: `${where}: ${i.message}` });
    let payload: unknown = r.payload;
    if (payload === undefined && buyer.format.type !== "csv") {
      try {
        payload = parseRendered(buyer, r.body);
      } catch (e) {
        problems.push({ path: "mapping.template", message: `${where}: the template does not produce valid ${buyer.format.type}: ${(e as Error).message}` });
        continue;
      }
    }
    if (payload === undefined) continue;
    // Template XML/form values are all text once parsed: only names, presence and structure are comparable.
    const textOnly = r.payload === undefined && buyer.format.type !== "json";
    for (const p of validateMappedPayload(spec, payload)) {
      if (textOnly && / must be (number|integer|boolean), got string/.test(` ${p.message}`)) continue;
      const key = `${p.path}|${p.message}`;
      if (!problems.some((x) => `${x.path}|${x.message}` === key)) problems.push({ path: p.path, message: `${where}: ${p.message}` });
    }
  }
  return { ok: problems.length === 0, problems };
}

/**
 * Checks a buyer's webhook config for what would leave its callbacks open to replay. Leadwire
 * identifies a callback by what its signature covers: `events.id` read from the signed body,
 * else Standard Webhooks' signed `webhook-id`, else a SHA-256 of the signed body. A delivery-id
 * header (`idHeader`) is not signed: trusting it would let a captured callback, re-sent with a
 * fresh header, count as a new event each time. Such a config is refused.
 */
export function validateWebhook(buyer: BuyerConfig): ValidationProblem[] {
  const w = buyer.webhook;
  if (!w) return [];
  const problems: ValidationProblem[] = [];
  if (w.idHeader !== undefined) {
    const how =
      w.scheme === "standard_webhooks"
        ? "Standard Webhooks identifies an event by its signed webhook-id; remove idHeader"
        : "name the event id inside the signed body with webhook.events.id, or remove idHeader (Leadwire then deduplicates on a SHA-256 of the signed body)";
    problems.push({
      path: "webhook.idHeader",
      message: `${w.idHeader} is not covered by the ${w.scheme} signature, so a captured callback re-sent with a fresh ${w.idHeader} would count as a new event (replay): ${how}`,
    });
  }
  return problems;
}
