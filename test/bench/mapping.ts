/**
 * Map + serialize: leads per second for a 20-field JSON buyer, an XML buyer and a form buyer
 * (the sample's normalized leads), next to (a) JSON.stringify of the finished payload — the
 * floor — and (b) JSONata doing the same mapping (+ the same serializer), all measured in
 * the same process, interleaved: medians over rounds of BENCH_MS each.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import jsonata from "jsonata";
import type { NormalizedLead } from "../../src/core/lead";
import { normalizeLead } from "../../src/intake/normalize";
import type { BuyerConfig } from "../../src/integration/config";
import { BuyerConfigSchema } from "../../src/integration/config";
import { compileSerializer } from "../../src/integration/formats/serialize";
import { compileBuyer } from "../../src/integration/mapping/request";
import { sampleText } from "../fixtures/sample";

const root = fileURLToPath(new URL("../..", import.meta.url));
const NOW = Date.parse("2026-11-28T15:00:00Z");
const env = { now: () => NOW };
const noSecret = (): undefined => undefined;
const BUDGET_MS = Number(process.env.BENCH_MS ?? 300);
/** Rounds of interleaved measurements; the median of each is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function loadLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  sampleText()
    .trim()
    .split("\n")
    .forEach((line, i) => {
      const r = normalizeLead((JSON.parse(line) as { lead: unknown }).lead, { id: `lead_${i}`, sourceId: "src_bench", nowMs: NOW });
      if (r.ok) out.push(r.lead);
    });
  return out;
}

/** The 20-field JSON buyer: renames, nesting-free, with phone/date/boolean formats, a translation and a computed age. */
const json20 = BuyerConfigSchema.parse({
  id: "bench-json20",
  name: "Bench JSON 20",
  verticals: ["auto_insurance", "mortgage", "solar", "legal"],
  price: 1,
  endpoint: { url: "https://bench.example/leads" },
  format: { type: "json" },
  response: {},
  mapping: {
    fields: [
      { to: "lead_id", from: "id", required: true },
      { to: "first_name", from: "first_name", required: true, format: { maxLength: 40 } },
      { to: "last_name", from: "last_name", required: true, format: { maxLength: 40 } },
      { to: "email", from: "email", required: true, format: { case: "lower" } },
      { to: "phone", from: "phone", required: true, format: { phone: "digits10" } },
      { to: "phone2", from: "phone_secondary", format: { phone: "dashed" } },
      { to: "street", from: "address.street", required: true },
      { to: "city", from: "address.city", required: true },
      { to: "state", from: "address.state", required: true },
      { to: "zip", from: "address.zip", required: true, format: { zip5: true } },
      { to: "dob", from: "dob", format: { date: "MM/DD/YYYY" } },
      { to: "age", compute: { fn: "age", args: ["dob"] } },
      { to: "homeowner", from: "homeowner", default: false, format: { boolean: "Y/N" } },
      {
        to: "vertical",
        from: "vertical",
        translate: { table: { auto_insurance: "AUTO", mortgage: "MORTGAGE", solar: "SOLAR", legal: "LEGAL" }, default: "OTHER" },
      },
      { to: "ip", from: "ip_address" },
      { to: "trustedform", from: "consent.trustedform_cert_url" },
      { to: "jornaya", from: "consent.jornaya_leadid" },
      { to: "consent_at", from: "consent.consented_at", format: { date: "unix" } },
      { to: "test", from: "test" },
      { to: "source", value: "leadwire" },
    ],
  },
});

const JSONATA_JSON20 = `{
  "lead_id": id,
  "first_name": $substring(first_name, 0, 40),
  "last_name": $substring(last_name, 0, 40),
  "email": $lowercase(email),
  "phone": $substring(phone, 2),
  "phone2": phone_secondary ? $substring(phone_secondary, 2, 3) & "-" & $substring(phone_secondary, 5, 3) & "-" & $substring(phone_secondary, 8) : undefined,
  "street": address.street, "city": address.city, "state": address.state,
  "zip": $substring(address.zip, 0, 5),
  "dob": dob ? $fromMillis($toMillis(dob & "T00:00:00Z"), "[M01]/[D01]/[Y0001]") : undefined,
  "age": dob ? $floor(($now_ms - $toMillis(dob & "T00:00:00Z")) / 31556952000) : undefined,
  "homeowner": homeowner ? "Y" : "N",
  "vertical": ($v := $lookup({"auto_insurance": "AUTO", "mortgage": "MORTGAGE", "solar": "SOLAR", "legal": "LEGAL"}, vertical); $v ? $v : "OTHER"),
  "ip": ip_address,
  "trustedform": consent.trustedform_cert_url,
  "jornaya": consent.jornaya_leadid,
  "consent_at": consent.consented_at ? $floor($toMillis(consent.consented_at) / 1000) : undefined,
  "test": test,
  "source": "leadwire"
}`;

const JSONATA_XML = `{
  "@_vertical": ($v := $lookup({"auto_insurance": "AUTO", "mortgage": "MORTGAGE", "solar": "SOLAR", "legal": "LEGAL"}, vertical); $v ? $v : "OTHER"),
  "Id": id,
  "Contact": {
    "Name": { "First": $substring(first_name, 0, 50), "Last": $substring(last_name, 0, 50) },
    "Email": email,
    "Phone": [$substring(phone, 2), phone_secondary ? $substring(phone_secondary, 2) : []],
    "Address": { "Line1": $substring(address.street, 0, 80), "City": address.city, "State": address.state, "Zip": address.zip },
    "DateOfBirth": dob ? $fromMillis($toMillis(dob & "T00:00:00Z"), "[M01][D01][Y0001]") : undefined,
    "Homeowner": homeowner ? "Yes" : "No"
  },
  "Details": { "Detail": [{ "@_name": "received_at", "#text": $fromMillis($toMillis(received_at), "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]", "-0500") }] },
  "Compliance": { "TrustedForm": consent.trustedform_cert_url, "LeadiD": consent.jornaya_leadid, "IP": ip_address },
  "Test": test ? "Y" : "N"
}`;

const JSONATA_FORM = `{
  "lead": {
    "first_name": $substring(first_name, 0, 50), "last_name": $substring(last_name, 0, 50), "email": email,
    "phone": $substring(phone, 2), "address": $substring(address.street, 0, 100), "city": $substring(address.city, 0, 50),
    "state": address.state, "zip": address.zip
  },
  "property": {
    "owner": homeowner ? 1 : 0,
    "electric_bill": $formatNumber(fields.monthly_electric_bill, "0.00"),
    "shade": ($s := $lookup({"none": "NO_SHADE", "partial": "PARTIAL_SHADE", "full": "FULL_SHADE"}, $lowercase(fields.roof_shade)); $s ? $s : "UNKNOWN")
  },
  "tcpa": {
    "cert_url": consent.trustedform_cert_url,
    "optin_at": $fromMillis($toMillis(consent.consented_at), "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01]", "-0800"),
    "text": $substring(consent.tcpa_text & " Consent given " & consent.consented_at & " (TrustedForm " & consent.trustedform_cert_url & ").", 0, 500)
  },
  "meta": { "source": "leadwire", "test": test ? "1" : "0" }
}`;

function demo(id: string): BuyerConfig {
  return BuyerConfigSchema.parse(JSON.parse(readFileSync(`${root}/buyers/${id}.json`, "utf8")));
}

/** Runs `fn` over the leads round-robin for about BUDGET_MS; returns leads per second. */
function measure(leads: NormalizedLead[], fn: (l: NormalizedLead) => unknown): number {
  let sink = 0;
  for (let i = 0; i < Math.min(500, leads.length); i++) sink ^= (fn(leads[i] as NormalizedLead) as string).length | 0; // warm-up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < BUDGET_MS) {
    for (let k = 0; k < 200; k++) sink ^= (fn(leads[n++ % leads.length] as NormalizedLead) as string).length | 0;
    t = performance.now();
  }
  if (sink === 0.5) console.log("");
  return (n / (t - t0)) * 1000;
}

async function measureAsync(leads: NormalizedLead[], fn: (l: NormalizedLead) => Promise<string>): Promise<number> {
  for (let i = 0; i < Math.min(200, leads.length); i++) await fn(leads[i] as NormalizedLead);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < BUDGET_MS) {
    for (let k = 0; k < 50; k++) await fn(leads[n++ % leads.length] as NormalizedLead);
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

/** A nested payload as bracket-named form pairs: `lead[first_name]` → value. */
function flatten(o: Record<string, unknown>, prefix = "", out: [string, string][] = []): [string, string][] {
  for (const [k, v] of Object.entries(o)) {
    const name = prefix ? `${prefix}[${k}]` : k;
    if (v !== null && typeof v === "object") flatten(v as Record<string, unknown>, name, out);
    else if (v !== undefined) out.push([name, String(v)]);
  }
  return out;
}

/** The least any form body costs: each key and value percent-encoded and joined. */
function formEncode(pairs: [string, string][]): string {
  let s = "";
  for (const [k, v] of pairs) s += `${s ? "&" : ""}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  return s;
}

export interface MappingRow {
  name: string;
  leads: number;
  /** Leads per second, median over rounds. */
  ours: number;
  /** JSON.stringify of the finished payload. */
  floor: number;
  /**
   * The finished payload serialized in the buyer's own format, what no mapping can avoid: XML by
   * the format's serializer, form as every key and value percent-encoded; JSON.stringify for JSON.
   */
  formatFloor: number;
  format: string;
  jsonata: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function benchOne(name: string, buyer: BuyerConfig, leads: NormalizedLead[], expr: string): Promise<MappingRow> {
  const c = compileBuyer(buyer);
  const map = c.mapPayload;
  if (!map) throw new Error(`${buyer.id} is not a field-list buyer`);
  const ser = compileSerializer(buyer.format);
  const payloads = leads.map((l) => map(l, env).payload);
  // Form's floor: only the percent-encoding of every key and value (the payload flattened beforehand, untimed).
  const pairs = buyer.format.type === "form" ? payloads.map((p) => flatten(p as Record<string, unknown>)) : [];
  const compiled = jsonata(expr);
  const ours: number[] = [];
  const floor: number[] = [];
  const formatFloor: number[] = [];
  const jsonataRates: number[] = [];
  const own = buyer.format.type !== "json";
  let i = 0;
  for (let r = 0; r < ROUNDS; r++) {
    ours.push(measure(leads, (l) => c.render(l, env, noSecret).body));
    floor.push(measure(leads, () => JSON.stringify(payloads[i++ % payloads.length])));
    if (buyer.format.type === "form") formatFloor.push(measure(leads, () => formEncode(pairs[i++ % pairs.length] ?? [])));
    else if (own) formatFloor.push(measure(leads, () => ser.serialize(payloads[i++ % payloads.length] as Record<string, unknown>, noSecret)));
    // The peer is ~40x slower: three rounds tell its rate well enough.
    if (r < 3)
      jsonataRates.push(
        await measureAsync(leads, async (l) => ser.serialize((await compiled.evaluate(l, { now_ms: NOW })) as Record<string, unknown>, noSecret)),
      );
  }
  return {
    name,
    leads: leads.length,
    ours: median(ours),
    floor: median(floor),
    formatFloor: own ? median(formatFloor) : median(floor),
    format: buyer.format.type,
    jsonata: median(jsonataRates),
  };
}

/** The three buyers through map + serialize, beside the floor and JSONata. */
export async function benchMapping(): Promise<MappingRow[]> {
  const leads = loadLeads();
  return [
    await benchOne("JSON, 20 fields", json20, leads, JSONATA_JSON20),
    await benchOne("XML (overflow-exchange)", demo("overflow-exchange"), leads, JSONATA_XML),
    await benchOne(
      "form (sunrise-solar, solar leads)",
      demo("sunrise-solar"),
      leads.filter((l) => l.vertical === "solar"),
      JSONATA_FORM,
    ),
  ];
}

export const MAPPING_ROUNDS = ROUNDS;
export const MAPPING_BUDGET_MS = BUDGET_MS;
