import type { NormalizedLead } from "../../core/lead";
import type { ComputeEnv } from "../computed";
import type { BuyerConfig } from "../config";
import { ConfigError, MappingError } from "../errors";
import { compileFastWriter } from "../formats/fast-writer";
import type { Serializer } from "../formats/serialize";
import { appendQuery, compileSerializer } from "../formats/serialize";
import type { BuildContext, MappingWarning, OutboundRequest } from "../types";
import type { CompiledFieldSlots, MappingIssue, Slot } from "./compile";
import { ABSENT, compileFieldSlots } from "./compile";
import { compileTemplate } from "./template";

/** One lead rendered for one buyer, before the wire/URL/headers are assembled. */
export interface RenderResult {
  /** The mapped payload (field-list mappings); undefined for templates. */
  payload?: Record<string, unknown>;
  /** The serialized body or query string. */
  body: string;
  warnings: MappingWarning[];
  issues: MappingIssue[];
}

/** A buyer config compiled once: per lead only mapping and serialization remain. */
export interface CompiledBuyer {
  serializer: Serializer;
  /** Maps a lead to the buyer's payload (field lists only). */
  mapPayload?: (lead: NormalizedLead, env: ComputeEnv) => { payload: Record<string, unknown>; warnings: MappingWarning[]; issues: MappingIssue[] };
  render(lead: NormalizedLead, env: ComputeEnv, secret: (name: string) => string | undefined): RenderResult;
  url: (vars: (name: string) => string | undefined, sandbox: boolean) => string;
  method: OutboundRequest["method"];
}

type UrlPart = string | { v: string };

function compileUrl(url: string): UrlPart[] {
  const parts: UrlPart[] = [];
  let last = 0;
  for (const m of url.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)) {
    if (m.index > last) parts.push(url.slice(last, m.index));
    parts.push({ v: m[1] as string });
    last = m.index + m[0].length;
  }
  if (last < url.length) parts.push(url.slice(last));
  return parts;
}

function substitute(parts: UrlPart[], vars: (name: string) => string | undefined, field: string): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") out += p;
    else {
      const v = vars(p.v);
      if (v === undefined || v === "") throw new ConfigError(`variable \${${p.v}} is not set`, field);
      out += v;
    }
  }
  return out;
}

const compiledCache = new WeakMap<BuyerConfig, CompiledBuyer>();

/**
 * A render whose body came from a fast writer: the payload object is only built if someone
 * reads it (validation, previews), from the same per-rule values — delivery never does.
 */
class SlotRender implements RenderResult {
  private built: Record<string, unknown> | undefined;
  constructor(
    private readonly slots: CompiledFieldSlots,
    private readonly values: Slot[],
    readonly body: string,
    readonly warnings: MappingWarning[],
    readonly issues: MappingIssue[],
  ) {}

  get payload(): Record<string, unknown> {
    this.built ??= this.slots.build(this.values);
    return this.built;
  }
}

/**
 * Compiles (and caches by config object) a buyer's mapping, template, wire format and URL.
 * Throws MappingConfigError for a config that cannot be compiled.
 */
export function compileBuyer(buyer: BuyerConfig): CompiledBuyer {
  const hit = compiledCache.get(buyer);
  if (hit) return hit;
  const serializer = compileSerializer(buyer.format);
  const urlParts = compileUrl(buyer.endpoint.url);
  const sandboxParts = buyer.endpoint.sandboxUrl ? compileUrl(buyer.endpoint.sandboxUrl) : undefined;
  const m = buyer.mapping;
  let mapPayload: CompiledBuyer["mapPayload"];
  let render: CompiledBuyer["render"];
  if ("fields" in m) {
    const slots = compileFieldSlots(m);
    const mapper = slots.mapper;
    mapPayload = mapper;
    const fast = compileFastWriter(buyer.format, slots.paths, ABSENT, slots.safety);
    if (fast) {
      render = (lead, env, secret) => {
        const r = slots.evaluate(lead, env);
        // A lead that fails required fields is never serialized: no wasted work, no partial body.
        if (r.issues.length) return new SlotRender(slots, r.values, "", r.warnings, r.issues);
        const body = fast(r.values);
        if (body !== undefined) return new SlotRender(slots, r.values, body, r.warnings, r.issues);
        // A value the writer does not handle (an object): the general serializer, same bytes.
        const payload = slots.build(r.values);
        return { payload, body: serializer.serialize(payload, secret), warnings: r.warnings, issues: r.issues };
      };
    } else {
      render = (lead, env, secret) => {
        const r = mapper(lead, env);
        const body = r.issues.length ? "" : serializer.serialize(r.payload, secret);
        return { payload: r.payload, body, warnings: r.warnings, issues: r.issues };
      };
    }
  } else {
    const tpl = compileTemplate(m.template, buyer.format.type === "json" ? "json" : "other", serializer.escape, m.required);
    render = (lead, env) => tpl(lead, env);
  }
  const compiled: CompiledBuyer = {
    serializer,
    mapPayload,
    render,
    url: (vars, sandbox) => (sandbox && sandboxParts ? substitute(sandboxParts, vars, "endpoint.sandboxUrl") : substitute(urlParts, vars, "endpoint.url")),
    // Query-string buyers carry the lead in the URL: a body-less GET.
    method: serializer.inUrl ? "GET" : buyer.endpoint.method,
  };
  compiledCache.set(buyer, compiled);
  return compiled;
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower && k !== name) delete headers[k];
  headers[name] = value;
}

/**
 * Builds the exact HTTP request for one lead and one buyer (mapping + wire format + URL +
 * headers), without authentication. Throws MappingError when a required field is missing or
 * invalid after mapping — pre-delivery validation that costs no HTTP call — and ConfigError
 * (auth/errors) when a secret or `${VAR}` the config needs is not set.
 */
export function buildRequest(buyer: BuyerConfig, lead: NormalizedLead, ctx: BuildContext): { request: OutboundRequest; warnings: MappingWarning[] } {
  const c = compileBuyer(buyer);
  const r = c.render(lead, ctx.bid ? { now: ctx.now, bid: ctx.bid as unknown as Record<string, unknown> } : { now: ctx.now }, ctx.secret);
  if (r.issues.length) throw new MappingError(r.issues);

  let url = c.url(ctx.vars, ctx.sandbox === true);
  const headers: Record<string, string> = {};
  if (c.serializer.contentType) headers["Content-Type"] = c.serializer.contentType;
  for (const [k, v] of Object.entries(c.serializer.headers)) headers[k] = v;
  for (const [k, v] of Object.entries(buyer.endpoint.headers)) {
    if (typeof v === "string") setHeader(headers, k, v);
    else {
      const s = ctx.secret(v.secret);
      if (s === undefined) throw new ConfigError(`secret ${v.secret} is not set`, `endpoint.headers.${k}`, v.secret);
      setHeader(headers, k, s);
    }
  }
  headers["Idempotency-Key"] = ctx.idempotencyKey;
  headers["X-Leadwire-Delivery-Id"] = ctx.deliveryId;
  if (ctx.sandbox || lead.test) headers["X-Leadwire-Test"] = "true";

  let body: string | undefined = r.body;
  if (c.serializer.inUrl) {
    url = appendQuery(url, r.body);
    body = undefined;
  }
  const request: OutboundRequest = { method: c.method, url, headers };
  if (body !== undefined) request.body = body;
  return { request, warnings: r.warnings };
}

/** The mapped payload for a lead (field-list mappings), for validation and tests. */
export function mapLead(
  buyer: BuyerConfig,
  lead: NormalizedLead,
  now: () => number,
  secret: (name: string) => string | undefined = () => "****",
): { payload: Record<string, unknown> | undefined; body: string; warnings: MappingWarning[]; issues: MappingIssue[] } {
  const r = compileBuyer(buyer).render(lead, { now }, secret);
  return { payload: r.payload, body: r.body, warnings: r.warnings, issues: r.issues };
}
