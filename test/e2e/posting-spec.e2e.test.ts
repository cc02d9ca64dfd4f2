/**
 * Posting instructions (issue 13) in a real browser (playwright-core driving Chromium, found by
 * ./browser.ts) against `wrangler dev`: a source opens its
 * own printable page with its key, an operator the page for that source after signing in. The
 * pages run under their Content-Security-Policy (no violation, the style applies), print to a
 * PDF with one page break per vertical, and the example the spec gives for a vertical sells
 * when posted as it is.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { browserRequired, INSTALL_HINT } from "./browser";
import { type Stack, startStack } from "./harness";

// Found once by the e2e globalSetup (./browser-setup.ts); null when this machine has none.
const CHROMIUM = inject("chromiumPath");

function buyer(id: string, verticals: string[], price: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `Spec ${id}`,
    status: "active",
    verticals,
    price,
    region: "enam",
    endpoint: { url: `\${MOCK_BUYER_ORIGIN}/b/${id}/accept?respond=json&price=${price}`, method: "POST", timeoutMs: 5000 },
    format: { type: "json" },
    mapping: {
      fields: [
        { to: "first_name", from: "lead.first_name", required: true },
        { to: "email", from: "lead.email", required: true },
        { to: "phone", from: "lead.phone", required: true, format: { phone: "digits10" } },
        { to: "year", from: "lead.fields.vehicle_year", required: true },
      ],
    },
    response: { statusField: { path: "status", accepted: ["accepted"], rejected: ["rejected"] }, buyerLeadId: "lead_id", price: "price" },
    ...extra,
  };
}

const BUYERS = [
  buyer("spec-auto-tx", ["auto_insurance"], 31, { filters: { states: ["TX"], minAge: 21 } }),
  buyer("spec-auto-any", ["auto_insurance"], 22, { filters: { rules: [{ field: "fields.currently_insured", op: "eq", value: true }] } }),
];

describe.skipIf(CHROMIUM === null && !browserRequired())("posting instructions in a real browser", () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    if (CHROMIUM === null) throw new Error(`LEADWIRE_REQUIRE_BROWSER=1 and no Chromium was found: ${INSTALL_HINT}`);
    [stack, browser] = await Promise.all([
      startStack({ buyerConfigs: BUYERS }),
      chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function watchCsp(page: Page): Promise<string[]> {
    const seen: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(`console: ${m.text()}`);
    });
    await page.exposeFunction("__cspViolation", (v: string) => seen.push(`event: ${v}`));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    return seen;
  }

  it("the source's page: its fields and example per vertical, no buyer named, styled under the CSP, printable", async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${stack.sourceKey}` } });
    const page = await context.newPage();
    const violations = await watchCsp(page);
    try {
      const res = await page.goto(`${stack.baseUrl}/v1/sources/me/posting-spec?format=html`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()["content-security-policy"]).toMatch(/default-src 'none'.*style-src 'sha256-/);
      const auto = page.locator('section[data-vertical="auto_insurance"]');
      expect(await auto.count()).toBe(1);
      expect(await auto.locator("p").first().innerText()).toContain("2 buyers buy this vertical");
      expect(await auto.locator('tr[data-field="fields.vehicle_year"] td').nth(1).innerText()).toBe("needed by 2 of 2");
      expect(await auto.locator('tr[data-field="email"] td').nth(1).innerText()).toBe("required");
      // The style applies (allowed by its hash): the headings carry their rule.
      expect(
        await page
          .locator("h2")
          .first()
          .evaluate((el) => getComputedStyle(el).borderBottomStyle),
      ).toBe("solid");
      expect(await page.content()).not.toContain("spec-auto-tx");
      // Printed: a page break before each vertical, so at least one page per vertical that sells.
      const pdf = await page.pdf({ format: "Letter" });
      const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the operator's page names the buyers, and the spec's example sells when posted as it is", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = await watchCsp(page);
    try {
      await page.goto(`${stack.baseUrl}/dashboard`);
      await page.locator("form.login input#token").fill(stack.adminToken);
      await Promise.all([page.waitForLoadState("load"), page.locator("form.login button[type=submit]").click()]);
      const res = await page.goto(`${stack.baseUrl}/dashboard/posting-spec?source=${stack.sourceId}`);
      expect(res?.status()).toBe(200);
      const buyers = page.locator('section[data-vertical="auto_insurance"] table.buyers tbody tr');
      expect(await buyers.count()).toBe(2);
      expect(await page.locator('section[data-vertical="auto_insurance"] table.buyers').innerText()).toContain("states TX");
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }

    const spec = (await (await fetch(`${stack.baseUrl}/v1/sources/me/posting-spec`, { headers: { authorization: `Bearer ${stack.sourceKey}` } })).json()) as {
      verticals: { vertical: string; example: Record<string, unknown> }[];
    };
    const example = spec.verticals.find((v) => v.vertical === "auto_insurance")?.example;
    const sold = await fetch(`${stack.baseUrl}/v1/leads?mode=sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.sourceKey}`, "content-type": "application/json" },
      body: JSON.stringify({ ...example, external_id: `spec-e2e-${Date.now()}` }),
    });
    expect(sold.status).toBe(200);
    // It meets both buyers' filters: the better price takes it.
    expect(await sold.json()).toMatchObject({ status: "sold", buyer: "spec-auto-tx", price: 31 });
  });
});
