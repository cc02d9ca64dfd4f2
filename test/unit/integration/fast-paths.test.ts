/**
 * The compiled fast paths (formats/fast-writer.ts, formats/form-encode.ts, the date code in
 * mapping/formatters.ts, per-rule evaluation in mapping/compile.ts) must produce exactly what the
 * code produced before them. golden/*.json holds that code's output, recorded once: bodies as
 * SHA-256 digests over every render of a group, and chosen renders in full for a readable diff.
 */
import { describe, expect, it } from "vitest";
import type { NormalizedLead } from "../../../src/core/lead";
import type { BuyerConfig } from "../../../src/integration/config";
import { compileFastWriter } from "../../../src/integration/formats/fast-writer";
import { formComponent, formEncodePayload } from "../../../src/integration/formats/form-encode";
import { ABSENT, compileFieldSlots } from "../../../src/integration/mapping/compile";
import { formatDate } from "../../../src/integration/mapping/formatters";
import { compileBuyer } from "../../../src/integration/mapping/request";
import type { GroupGolden, Text } from "./golden/cases";
import * as g from "./golden/cases";
import { lead } from "./helpers";

const current = g.currentImpl;

/** Compares one group: the renders kept in full first (readable), then the digests of all of them. */
function expectGroup(label: string, got: GroupGolden | undefined, want: GroupGolden | undefined): void {
  expect(got, `${label}: no recorded or no current group`).toBeDefined();
  expect(want, `${label}: no recorded or no current group`).toBeDefined();
  if (!got || !want) return;
  expect(got.config, `${label}: the buyer config changed since the golden outputs were recorded`).toBe(want.config);
  expect(got.full, `${label}: renders kept in full`).toEqual(want.full);
  const badBlocks = (got.blocks ?? []).flatMap((d, i) => (d === want.blocks?.[i] ? [] : [`renders ${i * g.BLOCK}..${i * g.BLOCK + g.BLOCK - 1}`]));
  expect({ count: got.count, digests: got.digests, blocks: got.blocks }, `${label}: ${badBlocks.join(", ") || "digests"} differ`).toEqual({
    count: want.count,
    digests: want.digests,
    blocks: want.blocks,
  });
}

describe("fast paths are byte-identical to the recorded pre-optimisation output", () => {
  const sample = g.sampleLeads();
  const buyers = g.demoBuyers();
  const configs = buyers.map((b) => b.config);

  it("every valid sample lead through every demo buyer", () => {
    const want = g.readGolden<g.SampleGolden>("sample.json");
    expect(sample.length).toBeGreaterThan(1000);
    expect(sample.length).toBe(want.leads);
    expect(Object.keys(want.buyers).length).toBeGreaterThanOrEqual(5);
    const got = g.recordSample(
      current,
      sample,
      buyers.filter((b) => b.config.id in want.buyers),
    );
    for (const id of Object.keys(want.buyers)) expectGroup(`sample via ${id}`, got.buyers[id], want.buyers[id]);
  });

  it("hostile text, unicode, emoji, newlines, empty and missing optional fields through every demo buyer", () => {
    const want = g.readGolden<g.HostileGolden>("hostile.json");
    const got = g.recordHostile(
      current,
      buyers.filter((b) => b.config.id in want.buyers),
    );
    for (const id of Object.keys(want.buyers)) expectGroup(`hostile via ${id}`, got.buyers[id], want.buyers[id]);
    const solar = compileBuyer(configs.find((b) => b.id === "sunrise-solar") as BuyerConfig).render(g.hostileLeads()[0] as NormalizedLead, g.env, g.secret);
    expect(new URLSearchParams(solar.body).get("lead[first_name]")).toBe("<Script>alert(1)</Script>");
  });

  it("the bench buyers actually take the fast writer", () => {
    for (const id of ["overflow-exchange", "sunrise-solar", "acme-auto"]) {
      const b = configs.find((x) => x.id === id) as BuyerConfig;
      if (!("fields" in b.mapping)) continue;
      expect(compileFastWriter(b.format, compileFieldSlots(b.mapping).paths, ABSENT), id).toBeDefined();
    }
  });

  it("nested paths, arrays with holes, attributes and #text in every wire format", () => {
    const want = g.readGolden<g.NestedGolden>("nested.json");
    const got = g.recordNested(current, sample);
    expect(got.formats.map((f) => f.format)).toEqual(want.formats.map((f) => f.format));
    got.formats.forEach((f, i) => {
      expectGroup(`nested as ${JSON.stringify(f.format)}`, f, want.formats[i]);
    });
  });

  it("falls back to the general serializer, same bytes, for shapes a writer cannot predict", () => {
    const want = g.readGolden<g.FallbackGolden>("fallback.json");
    const got = g.recordFallback(current, sample);
    expect(got.groups.map((x) => [x.shape, x.format])).toEqual(want.groups.map((x) => [x.shape, x.format]));
    got.groups.forEach((x, i) => {
      expectGroup(`shape ${x.shape} as ${JSON.stringify(x.format)}`, x, want.groups[i]);
    });
    const slots = compileFieldSlots({ fields: g.FALLBACK_SHAPES[1] } as never);
    expect(compileFastWriter({ type: "json", charset: "utf-8" }, slots.paths, ABSENT)).toBeUndefined();
  });

  it("a lead with required fields missing gets no body, and the payload is still there to inspect", () => {
    const b = configs.find((x) => x.id === "overflow-exchange") as BuyerConfig;
    const r = compileBuyer(b).render(lead({ first_name: "" } as never), g.env, g.secret);
    expect(r.body).toBe("");
    expect(r.issues.map((i) => i.field)).toContain("Contact.Name.First");
    expect((r.payload as { Id?: unknown }).Id).toBe(lead().id);
  });
});

describe("form encoding", () => {
  const want = g.readGolden<g.FormGolden>("form.json");
  /** The recorded text, or the current text reduced to a digest when that is all that was recorded. */
  const asRecorded = (s: string, rec: Text | undefined): Text => (rec && "text" in rec ? { text: s } : g.textOf(s, -1));

  it("matches URLSearchParams and the recorded output for any text, short, long and huge", () => {
    expect(want.strings.length).toBe(g.FORM_STRINGS.length);
    g.FORM_STRINGS.forEach((s, i) => {
      const rec = want.strings[i];
      expect(formComponent(s)).toBe(new URLSearchParams({ k: s }).toString().slice(2));
      const got = { component: formComponent(s), bracket: formEncodePayload(g.formPayload(s), "bracket"), dot: formEncodePayload(g.formPayload(s), "dot") };
      expect(
        { component: asRecorded(got.component, rec?.component), bracket: asRecorded(got.bracket, rec?.bracket), dot: asRecorded(got.dot, rec?.dot) },
        `string ${i}`,
      ).toEqual(rec);
    });
  });

  it("a body larger than the encoding buffer comes out whole", () => {
    const body = formEncodePayload(g.bigFormPayload(), "dot");
    expect(body.split("&")).toHaveLength(40);
    expect(asRecorded(body, want.big)).toEqual(want.big);
  });
});

describe("date formatting", () => {
  const want = g.readGolden<g.DatesGolden>("dates.json");
  const got = g.recordDates(current);

  it("every pattern, zone and odd value formats as recorded", () => {
    expect(Object.keys(got.values)).toEqual(Object.keys(want.values));
    // Out-of-range instants throw for "iso": the outcome, value or error, must match.
    const rows = (r: unknown[] | undefined): unknown[] => g.DATE_VALUES.map((v, i) => [String(v), r?.[i]]);
    for (const k of Object.keys(want.values)) expect(rows(got.values[k]), k).toEqual(rows(want.values[k]));
  });

  it("random instants across four centuries format as recorded", () => {
    expect(got.random).toEqual(want.random);
    expect(formatDate("2026-11-25T05:33:00.000Z", "YYYY-MM-DD HH:mm:ss", "America/Los_Angeles")).toBe("2026-11-24 21:33:00");
  });
});
