/**
 * The operator pages in a real browser (playwright-core driving Chromium, found by ./browser.ts) against
 * `wrangler dev`: sign-in, the executive KPIs, the per-buyer operations table, diagnostics, the
 * API docs, and a wrong token. The numbers on the pages are checked against what was posted.
 * Every page runs under its Content-Security-Policy: the browser reports no violation, the
 * styles still apply, and the session cookie is HttpOnly, SameSite=Strict and revocable.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROOT } from "../../src/cli/lib/wrangler.mjs";
import { browserRequired, INSTALL_HINT } from "./browser";
import { type Stack, startStack } from "./harness";
import { pollLeads, postLead, validLead } from "./helpers";

// Found once by the e2e globalSetup (./browser-setup.ts); null when this machine has none.
const CHROMIUM = inject("chromiumPath");
const SCREENSHOT = join(ROOT, "test-results", "screenshots", "pages-dashboard.png");
const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"];

function buyer(id: string, price: number, behavior: string, query = "") {
  return {
    id,
    name: `Pages ${id}`,
    status: "active",
    verticals: VERTICALS,
    price,
    region: "enam",
    endpoint: { url: `\${MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json${query}`, method: "POST", timeoutMs: 5000 },
    format: { type: "json" },
    mapping: {
      fields: [
        { to: "ref", from: "lead.id", required: true },
        { to: "first_name", from: "lead.first_name", required: true },
        { to: "email", from: "lead.email", required: true },
        { to: "phone", from: "lead.phone", required: true, format: { phone: "digits10" } },
      ],
    },
    response: {
      contentType: "json",
      statusField: { path: "status", accepted: ["accepted"], rejected: ["rejected"], error: ["error"] },
      buyerLeadId: "lead_id",
      reason: ["reason", "message"],
      price: "price",
    },
  };
}

// Ranked by price: every lead meets a misconfigured buyer (403, a config alert), then a picky
// one (rejects), then the one that buys at 30. So each view has something true to show.
const BUYERS = [
  buyer("pages-forbidden", 60, "forbidden"),
  buyer("pages-picky", 45, "reject", "&reason=Price%20too%20high"),
  buyer("pages-main", 30, "accept", "&price=30"),
];
const LEADS = 4;
const PRICE = 30;
// The seeded source is paid 80 % of each sale (its payout rule), so the dashboard has a payout
// and a margin to show: 4 × $24 paid, 4 × $6 kept.
const PAYOUT_SHARE = 80;
const PAYOUT = (LEADS * PRICE * PAYOUT_SHARE) / 100;

// No browser: skipped, and the run ends with one line saying so; in CI (LEADWIRE_REQUIRE_BROWSER=1) they fail.
describe.skipIf(CHROMIUM === null && !browserRequired())("operator pages in a real browser", () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    if (CHROMIUM === null) throw new Error(`LEADWIRE_REQUIRE_BROWSER=1 and no Chromium was found: ${INSTALL_HINT}`);
    mkdirSync(join(ROOT, "test-results", "screenshots"), { recursive: true });
    [stack, browser] = await Promise.all([
      startStack({ buyerConfigs: BUYERS }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);
    const terms = await fetch(`${stack.baseUrl}/v1/admin/sources/${stack.sourceId}/terms`, {
      method: "PUT",
      headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ payout: { type: "share", percent: PAYOUT_SHARE } }),
    });
    if (terms.status !== 200) throw new Error(`setting the source's payout rule answered ${terms.status}: ${await terms.text()}`);
    const ids: string[] = [];
    for (let i = 0; i < LEADS; i++) {
      const { status, body } = await postLead(stack, validLead(VERTICALS[i % VERTICALS.length] ?? "solar", i, "e2e-pages"));
      if (status !== 202) throw new Error(`posting a lead answered ${status}: ${JSON.stringify(body)}`);
      ids.push(String(body["id"]));
    }
    // An invalid lead is refused at the door and must not count on the dashboard.
    const bad = await postLead(stack, { ...validLead("solar", 9, "e2e-pages-bad"), email: "not-an-email" });
    if (bad.status !== 400) throw new Error(`an invalid lead answered ${bad.status}`);
    const views = await pollLeads(stack, ids, (v) => v.status === "sold" || v.status === "unsold", 30_000);
    const notSold = [...views.values()].filter((g) => g.view.status !== "sold").map((g) => `${g.view.id}: ${g.view.status}`);
    if (notSold.length > 0 || views.size !== LEADS) throw new Error(`leads not sold in time: ${notSold.join(", ")}`);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /**
   * Every CSP violation the page reports, from the page's own event and from the console (the
   * browser logs "Refused to …" for what the policy blocks). Registered before any page loads.
   */
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

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${stack.baseUrl}/dashboard`);
    await page.locator("form.login input#token").fill(token);
    await Promise.all([page.waitForEvent("load"), page.locator("form.login button[type=submit]").click()]);
  }

  it("signs in with the admin token and shows the lead count and revenue, then operations and diagnostics", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations = await watchCsp(page);
    try {
      const first = await page.goto(`${stack.baseUrl}/dashboard`);
      expect(first?.status()).toBe(401);
      // Its one stylesheet and one script are served from here: nothing inline is allowed.
      const csp = first?.headers()["content-security-policy"] ?? "";
      expect(csp).toMatch(/default-src 'none'.*script-src 'self'.*style-src 'self'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      await expect.poll(() => page.locator("form.login").isVisible()).toBe(true);
      expect(await page.locator("[data-kpi]").count()).toBe(0);

      await signIn(page, stack.adminToken);
      expect(new URL(page.url()).pathname).toBe("/dashboard");
      expect(await page.locator("form.login").count()).toBe(0);
      // The session cookie as the browser holds it: random, HttpOnly, SameSite=Strict, /dashboard only.
      const cookies = (await context.cookies()).filter((ck) => ck.name === "lw_session");
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
      expect(cookies[0]?.value).not.toContain(stack.adminToken);
      expect(await page.evaluate(() => document.cookie)).toBe("");
      // The inline style is allowed by its hash: the header is styled, not blocked.
      expect(await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(20, 33, 61)");
      expect((await page.locator("[data-kpi=leads]").innerText()).trim()).toBe(String(LEADS));
      expect((await page.locator("[data-kpi=sold]").innerText()).trim()).toBe(String(LEADS));
      expect((await page.locator("[data-kpi=revenue]").innerText()).trim()).toBe(`$${(LEADS * PRICE).toFixed(2)}`);
      // The seeded source's row carries the same numbers.
      const sourceRow = page.locator("#sources tbody tr", { hasText: "E2E source" });
      expect(await sourceRow.count()).toBe(1);
      expect(await sourceRow.locator("td").nth(1).innerText()).toBe(String(LEADS));
      // What the source was paid and what was kept: on the source's row, the buyer's row and the
      // KPI cards, the same as /v1/metrics says for the window.
      const usd = (n: number) => `$${n.toFixed(2)}`;
      const margin = LEADS * PRICE - PAYOUT;
      expect(await sourceRow.locator("[data-col=payout]").innerText()).toBe(usd(PAYOUT));
      expect(await sourceRow.locator("[data-col=margin]").innerText()).toBe(usd(margin));
      expect(await sourceRow.locator("[data-col=margin-pct]").innerText()).toBe("20.0%");
      const buyerRow = page.locator('#buyer-money tr[data-buyer="pages-main"]');
      expect(await buyerRow.locator("[data-col=revenue]").innerText()).toBe(usd(LEADS * PRICE));
      expect(await buyerRow.locator("[data-col=payout]").innerText()).toBe(usd(PAYOUT));
      expect(await buyerRow.locator("[data-col=margin]").innerText()).toBe(usd(margin));
      expect(await page.locator("#buyer-money tbody tr").count()).toBe(1);
      expect((await page.locator("[data-kpi=payout]").innerText()).trim()).toBe(usd(PAYOUT));
      expect((await page.locator("[data-kpi=payout-margin]").innerText()).trim()).toBe(usd(margin));
      const metrics = await fetch(`${stack.baseUrl}/v1/metrics?window=24h`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
      const pp = ((await metrics.json()) as { pingPost: { money: { revenue: number; payout: number; margin: number } } }).pingPost;
      expect(pp.money).toMatchObject({ revenue: LEADS * PRICE, payout: PAYOUT, margin });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await Promise.all([page.waitForEvent("load"), page.getByRole("link", { name: "Operations" }).click()]);
      expect(new URL(page.url()).searchParams.get("view")).toBe("operations");
      for (const b of BUYERS) {
        const row = page.locator(`tr[data-buyer="${b.id}"]`);
        expect(await row.count(), `no row for ${b.id}`).toBe(1);
        expect((await row.locator("td").nth(1).innerText()).trim(), `circuit of ${b.id}`).toBe("closed");
        // Every lead was offered to every buyer once (ranked by price, none accepted before pages-main).
        expect((await row.locator("td").nth(2).innerText()).trim(), `attempts of ${b.id}`).toBe(String(LEADS));
      }
      expect(await page.locator("tr[data-buyer]").count()).toBe(BUYERS.length);
      await page.screenshot({ path: SCREENSHOT.replace("dashboard", "operations"), fullPage: true });

      await Promise.all([page.waitForEvent("load"), page.getByRole("link", { name: "Diagnostics" }).click()]);
      const failures = page.locator("#failures tbody tr");
      expect(await failures.count()).toBe(2 * LEADS);
      expect(await failures.filter({ hasText: "pages-picky" }).filter({ hasText: "Price too high" }).count()).toBe(LEADS);
      expect(await failures.filter({ hasText: "pages-forbidden" }).filter({ hasText: "403" }).count()).toBe(LEADS);
      expect(await failures.filter({ hasText: "pages-main" }).count()).toBe(0);
      const alerts = page.locator("#alerts tr", { hasText: "pages-forbidden" });
      expect(await alerts.count()).toBeGreaterThan(0);
      expect(await alerts.first().innerText()).toMatch(/config_fault/);
      // What the diagnostics page shows is masked: no raw email of a posted lead.
      expect(await page.content()).not.toMatch(/@example\.com/);
      await page.screenshot({ path: SCREENSHOT.replace("dashboard", "diagnostics"), fullPage: true });
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("signing out revokes the session: the old cookie, replayed, gets the sign-in page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = await watchCsp(page);
    try {
      await signIn(page, stack.adminToken);
      expect(await page.locator("[data-kpi=leads]").count()).toBe(1);
      const [stolen] = (await context.cookies()).filter((ck) => ck.name === "lw_session");
      expect(stolen).toBeDefined();
      await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign out" }).click()]);
      expect(await page.locator("form.login").isVisible()).toBe(true);
      expect((await context.cookies()).filter((ck) => ck.name === "lw_session")).toEqual([]);
      expect(violations).toEqual([]);

      // Someone who copied the cookie before the sign-out gets nothing with it.
      const other = await browser.newContext();
      try {
        if (stolen) await other.addCookies([stolen]);
        const replay = await (await other.newPage()).goto(`${stack.baseUrl}/dashboard`);
        expect(replay?.status()).toBe(401);
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });

  it("a wrong token shows an error and no data", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = await watchCsp(page);
    try {
      await signIn(page, "not-the-admin-token");
      await expect.poll(() => page.getByText("That token is not valid.").isVisible()).toBe(true);
      expect(await page.locator("[data-kpi]").count()).toBe(0);
      expect(await page.locator("tr[data-buyer]").count()).toBe(0);
      // No session was granted: the dashboard still asks for the token.
      const again = await page.goto(`${stack.baseUrl}/dashboard?view=operations`);
      expect(again?.status()).toBe(401);
      expect(await page.locator("form.login").isVisible()).toBe(true);
      expect(await page.locator("tr[data-buyer]").count()).toBe(0);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("/docs lists the operations and the lead schema", async () => {
    const page = await browser.newPage();
    const violations = await watchCsp(page);
    try {
      const res = await page.goto(`${stack.baseUrl}/docs`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()["content-security-policy"]).toMatch(/default-src 'none'.*style-src 'sha256-/);
      expect(await page.locator("body").evaluate((el) => getComputedStyle(el).maxWidth)).toBe("960px");
      expect(await page.locator("h1").innerText()).toBe("Leadwire API");
      const ops = page.locator(".op");
      for (const [method, path] of [
        ["POST", "/v1/leads"],
        ["GET", "/v1/leads/{id}"],
        ["POST", "/v1/webhooks/{buyerId}"],
        ["GET", "/v1/metrics"],
      ]) {
        expect(await ops.filter({ hasText: path }).filter({ hasText: method }).count(), `${method} ${path}`).toBeGreaterThan(0);
      }
      const schema = JSON.parse(await page.locator("#lead-schema").innerText()) as { properties?: Record<string, unknown> };
      for (const field of ["first_name", "last_name", "email", "phone", "address", "consent", "vertical"]) {
        expect(schema.properties, `lead schema lacks ${field}`).toHaveProperty(field);
      }
      await expect.poll(() => page.getByRole("link", { name: "/openapi.json" }).isVisible()).toBe(true);
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
