import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { checkBuyers } from "../../../src/cli/buyers-check";
import type { NormalizedLead } from "../../../src/core/lead";
import { normalizeLead } from "../../../src/intake/normalize";
import { channelOf, mappedColumns } from "../../../src/integration/channels";
import type { BuyerConfig } from "../../../src/integration/config";
import { buildRequest, mapLead } from "../../../src/integration/mapping/request";
import { getBuyerRegistry, loadBuyers } from "../../../src/integration/registry";
import { parseResponse } from "../../../src/integration/response";
import { validateMappedPayload } from "../../../src/integration/validate";
import { SAMPLE_PATH } from "../../fixtures/sample";
import { ctx, NOW } from "./helpers";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const SAMPLE = SAMPLE_PATH;

function demoBuyers(): BuyerConfig[] {
  const { buyers, errors } = checkBuyersRaw();
  expect(errors).toEqual([]);
  return buyers;
}
function checkBuyersRaw() {
  const ids = ["acme-auto", "sunrise-solar", "meridian-mortgage", "lexlink-legal", "overflow-exchange"];
  return loadBuyers(ids.map((id) => JSON.parse(readFileSync(`${root}/buyers/${id}.json`, "utf8")) as unknown));
}

function sampleLeads(): NormalizedLead[] {
  const out: NormalizedLead[] = [];
  readFileSync(SAMPLE, "utf8")
    .trim()
    .split("\n")
    .forEach((line, i) => {
      const row = JSON.parse(line) as { lead: unknown; valid: boolean };
      if (!row.valid) return;
      const r = normalizeLead(row.lead, { id: `lead_${String(i).padStart(26, "0")}`, sourceId: "src_sample", nowMs: NOW });
      if (!r.ok) throw new Error(`sample lead ${i} marked valid but rejected: ${JSON.stringify(r.issues)}`);
      out.push(r.lead);
    });
  return out;
}

/** What the buyer receives, read back from the wire, so the check covers serialization too. */
function readBack(b: BuyerConfig, body: string | undefined, url: string): unknown {
  const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, removeNSPrefix: true });
  switch (b.format.type) {
    case "json":
      return JSON.parse(body ?? "");
    case "xml":
      return (xml.parse(body ?? "") as Record<string, unknown>)[b.format.root];
    case "soap11":
    case "soap12":
      return (xml.parse(body ?? "") as { Envelope: { Body: Record<string, unknown> } }).Envelope.Body[b.format.operation];
    case "form":
      return Object.fromEntries(new URLSearchParams(body));
    case "query":
      return Object.fromEntries(new URL(url).searchParams);
    case "csv":
      return body;
  }
}

describe("demo buyers", () => {
  it("npm run buyers:check passes: schema, mapping vs spec, secrets in .dev.vars.example", () => {
    const { files, problems } = checkBuyers(root);
    expect(problems).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it("cover different formats and auth schemes, and a catch-all takes every vertical", () => {
    const buyers = demoBuyers();
    expect(new Set(buyers.map((b) => b.format.type)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(buyers.map((b) => b.auth.type)).size).toBeGreaterThanOrEqual(4);
    const catchAll = buyers.find((b) => b.id === "overflow-exchange");
    expect(catchAll?.verticals.sort()).toEqual(["auto_insurance", "legal", "mortgage", "solar"]);
    for (const b of buyers) expect(b.endpoint.url.startsWith(`\${MOCK_BUYER_ORIGIN}/b/${b.id}/`)).toBe(true);
  });

  it("every valid sample lead maps through every demo buyer of its vertical with no error, and validates against the buyer's spec", () => {
    const buyers = demoBuyers();
    const leads = sampleLeads();
    expect(leads.length).toBe(1793);
    let mapped = 0;
    const failures: string[] = [];
    const c = ctx();
    for (const lead of leads) {
      for (const b of buyers) {
        if (!b.verticals.includes(lead.vertical)) continue;
        try {
          const { request } = buildRequest(b, lead, c);
          const wire = readBack(b, request.body, request.url);
          // Field lists: the typed payload the wire was serialized from; templates: the JSON they render.
          const payload = "fields" in b.mapping ? mapLead(b, lead, () => NOW).payload : wire;
          if (b.format.type === "json") expect(wire).toEqual(payload);
          else expect(wire).toBeTypeOf("object");
          const spec = b.spec;
          if (spec) for (const p of validateMappedPayload(spec, payload)) failures.push(`${b.id} ${lead.id}: ${p.path}: ${p.message}`);
          mapped++;
        } catch (e) {
          failures.push(`${b.id} ${lead.id}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(mapped).toBe(1793 * 2);
    // 1,793 leads × every buyer of their vertical: about 4 s here, longer on a loaded machine.
  }, 30_000);
});

describe("demo buyers read the mock buyer's answers", () => {
  const answers = {
    json: { type: "application/json", ok: '{"status":"accepted","lead_id":"MB-7","price":25}', no: '{"status":"rejected","reason":"duplicate lead"}' },
    xml: {
      type: "application/xml",
      ok: "<response><status>accepted</status><lead_id>MB-7</lead_id><price>25</price></response>",
      no: "<response><status>rejected</status><reason>duplicate lead</reason></response>",
    },
    form: { type: "application/x-www-form-urlencoded", ok: "status=accepted&lead_id=MB-7&price=25", no: "status=rejected&reason=duplicate+lead" },
    text: { type: "text/plain", ok: "ACCEPTED MB-7", no: "REJECTED: duplicate lead" },
  } as const;
  for (const b of demoBuyersList()) {
    const respond = /respond=(json|xml|form|text)/.exec(b.endpoint.url)?.[1] as keyof typeof answers;
    it(`${b.id} (${respond})`, () => {
      const a = answers[respond];
      const ok = parseResponse(b.response, { status: 200, headers: { "content-type": a.type }, body: a.ok });
      expect(ok).toMatchObject({ outcome: "accepted", buyerLeadId: "MB-7" });
      if (respond !== "text") expect(ok.price).toBe(25);
      const no = parseResponse(b.response, { status: 200, headers: { "content-type": a.type }, body: a.no });
      expect(no).toMatchObject({ outcome: "rejected", reason: "duplicate lead" });
    });
  }
});

function demoBuyersList(): BuyerConfig[] {
  return checkBuyersRaw().buyers;
}

describe("registry", () => {
  it("reports invalid configs and duplicate ids without dropping the good ones", () => {
    const good = JSON.parse(readFileSync(`${root}/buyers/acme-auto.json`, "utf8")) as Record<string, unknown>;
    const { buyers, errors } = loadBuyers([good, { ...good }, { ...good, id: "Bad Id" }, { ...good, id: "x-2", price: -1 }]);
    expect(buyers.map((b) => b.id)).toEqual(["acme-auto"]);
    expect(errors.map((e) => [e.index, e.issues[0]?.path])).toEqual([
      [1, "id"],
      [2, "id"],
      [3, "price"],
    ]);
  });

  it("BUYER_CONFIGS overrides the bundled buyers, parsed once per value", () => {
    const good = JSON.parse(readFileSync(`${root}/buyers/acme-auto.json`, "utf8")) as Record<string, unknown>;
    const env = { BUYER_CONFIGS: JSON.stringify([{ ...good, id: "only-one" }]), ENVIRONMENT: "development" };
    const reg = getBuyerRegistry(env);
    expect([...reg.keys()]).toEqual(["only-one"]);
    expect(getBuyerRegistry({ ...env })).toBe(reg);
    const bundled = getBuyerRegistry({ ENVIRONMENT: "development" });
    expect(bundled.has("acme-auto")).toBe(true);
    expect(bundled.size).toBeGreaterThanOrEqual(5);
    expect(() => getBuyerRegistry({ BUYER_CONFIGS: "{}" })).toThrow(/JSON array/);
  });
});

describe("XML buyers: the fast writer's output equals XMLBuilder's for every sample lead", () => {
  it("overflow-exchange and meridian-mortgage", async () => {
    const { XMLBuilder } = await import("fast-xml-parser");
    const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", suppressBooleanAttributes: false, processEntities: true });
    const buyers = demoBuyersList().filter((b) => b.format.type === "xml" || b.format.type === "soap11");
    expect(buyers).toHaveLength(2);
    let n = 0;
    for (const lead of sampleLeads()) {
      for (const b of buyers) {
        if (!b.verticals.includes(lead.vertical)) continue;
        const { payload, body } = mapLead(b, lead, () => NOW);
        const f = b.format;
        const reference =
          f.type === "xml"
            ? `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [f.root]: { ...Object.fromEntries(Object.entries(f.rootAttributes ?? {}).map(([k, v]) => [`@_${k}`, v])), ...payload } }) as string}`
            : f.type === "soap11"
              ? `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ "soap:Envelope": { "@_xmlns:soap": "http://schemas.xmlsoap.org/soap/envelope/", "soap:Header": Object.fromEntries(Object.entries(f.header ?? {}).map(([k, v]) => [k, { "@_xmlns": f.namespace, ...(v as object) }])), "soap:Body": { [f.operation]: { "@_xmlns": f.namespace, ...payload } } } }) as string}`
              : "";
        expect(body).toBe(reference);
        n++;
      }
    }
    expect(n).toBe(1793 + 425);
  });
});

describe("registry presets", () => {
  it("an unknown preset is reported with the buyer, not thrown", () => {
    const good = JSON.parse(readFileSync(`${root}/buyers/acme-auto.json`, "utf8")) as Record<string, unknown>;
    const { buyers, errors } = loadBuyers([{ ...good, id: "p-1", preset: "no-such-crm" }, good]);
    expect(buyers.map((b) => b.id)).toEqual(["acme-auto"]);
    expect(errors[0]).toMatchObject({ index: 0, id: "p-1", issues: [{ path: "preset" }] });
    expect(errors[0]?.issues[0]?.message).toMatch(/unknown preset/);
  });
});

describe("CRM demo buyers (one per preset)", () => {
  const CRM_DEMOS = ["demo-salesforce-web-to-lead", "demo-salesforce-rest", "demo-hubspot-contacts", "demo-hubspot-forms", "demo-velocify"];

  it("each names its preset, is development only, and every valid sample lead of its verticals maps through it", () => {
    const { buyers, errors } = loadBuyers(CRM_DEMOS.map((id) => JSON.parse(readFileSync(`${root}/buyers/${id}.json`, "utf8")) as unknown));
    expect(errors).toEqual([]);
    expect(buyers.map((b) => b.preset).sort()).toEqual(["hubspot-contacts", "hubspot-forms", "salesforce-rest", "salesforce-web-to-lead", "velocify"]);
    const leads = sampleLeads();
    const c = ctx();
    const failures: string[] = [];
    let mapped = 0;
    for (const b of buyers) {
      expect(b.environments).toEqual(["development"]);
      expect(b.endpoint.url.startsWith("${MOCK_BUYER_ORIGIN}/")).toBe(true);
      for (const lead of leads) {
        if (!b.verticals.includes(lead.vertical)) continue;
        try {
          buildRequest(b, lead, c);
          mapped++;
        } catch (e) {
          failures.push(`${b.id} ${lead.id}: ${(e as Error).message}`);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(mapped).toBeGreaterThan(1000);
  });
});

describe("the batch demo buyer (demo-salesforce-bulk)", () => {
  it("loads as a development-only batch buyer, and every valid auto sample lead becomes a flat CSV row carrying its lead id", () => {
    const { buyers, errors } = loadBuyers([JSON.parse(readFileSync(`${root}/buyers/demo-salesforce-bulk.json`, "utf8")) as unknown]);
    expect(errors).toEqual([]);
    const b = buyers[0];
    if (!b) throw new Error("not loaded");
    expect(b).toMatchObject({
      preset: "salesforce-bulk",
      environments: ["development"],
      batch: { size: 200, job: { type: "salesforce-bulk", object: "Lead" } },
    });
    expect(channelOf(b)).toBe("salesforce-bulk");
    let mapped = 0;
    for (const lead of sampleLeads()) {
      if (!b.verticals.includes(lead.vertical)) continue;
      const { fields } = mappedColumns(b, lead, () => NOW);
      expect(fields.find((f) => f.name === "Leadwire_Lead_Id__c")?.value).toBe(lead.id);
      expect(fields.map((f) => f.name)).toContain("LastName");
      mapped++;
    }
    expect(mapped).toBe(471);
  });
});
