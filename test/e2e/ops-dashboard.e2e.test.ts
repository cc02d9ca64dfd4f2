/**
 * The operator dashboards in a real browser (playwright-core driving Debian's Chromium) with
 * real data from a scenario run under `wrangler dev`: a buyer that is down (its circuit opens
 * and an alert goes out, signed, to a loopback target), a picky buyer, an asynchronous buyer
 * that sells every lead by signed callback, a main buyer; refused posts; the cron run once.
 * Every view is checked on a laptop and a phone (no horizontal overflow, the header whole),
 * under the strict CSP (no violation), and saved as a screenshot in test-results/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROOT } from "../../src/cli/lib/wrangler.mjs";
import { MOCK_CONTACT_FIELDS, MOCK_JSON_RESPONSE, mockCallbackWebhook } from "../mock-buyer/contract";
import { type MockOps, startMockOps } from "../mock-ops/server";
import { browserRequired, INSTALL_HINT } from "./browser";
import { type Stack, startStack } from "./harness";
import { getLead, pollLeads, postLead, validLead } from "./helpers";

// Found once by the e2e globalSetup (./browser-setup.ts); null when this machine has none.
const CHROMIUM = inject("chromiumPath");
const SHOTS = join(ROOT, "test-results", "screenshots");
const VERTICALS = ["auto_insurance", "mortgage", "solar", "legal"];
const WEBHOOK_SECRET = "whsec_ZGVtby1hY21lLXdlYmhvb2stc2VjcmV0LTEyMzQ=";
const SIGNING = "whsec_b3BzLWUyZS1hbGVydC1zaWduaW5nLXNlY3JldA==";

function buyer(id: string, price: number, behavior: string, query: string, over: Record<string, unknown> = {}) {
  return {
    id,
    name: `Ops ${id}`,
    status: "active",
    verticals: VERTICALS,
    price,
    region: "enam",
    endpoint: { url: `\${MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json${query}`, method: "POST", timeoutMs: 5000 },
    format: { type: "json" },
    mapping: { fields: [{ to: "ref", from: "lead.id", required: true }, ...MOCK_CONTACT_FIELDS] },
    response: MOCK_JSON_RESPONSE,
    ...over,
  };
}

const BUYERS = [
  // Down: every call 503; its circuit opens after three failures and stays open.
  buyer("ops-down", 60, "error503", "", {
    retry: { maxAttempts: 1 },
    circuit: { failureThreshold: 3, minimumCalls: 3, windowSeconds: 600, cooldownSeconds: 900, maxCooldownSeconds: 900 },
  }),
  // Asynchronous: acknowledges, then accepts every lead by signed callback.
  {
    ...buyer("ops-async", 50, "async", "&delayMs=200&decision=accept&price=50"),
    verticals: ["auto_insurance"],
    endpoint: {
      url: "${MOCK_BUYER_ORIGIN}/b/ops-async/async?respond=json&delayMs=200&decision=accept&price=50",
      method: "POST",
      timeoutMs: 5000,
      mode: "async",
      ackTimeoutSeconds: 600,
    },
    webhook: mockCallbackWebhook("HARBOR_WEBHOOK_SECRET"),
  },
  buyer("ops-picky", 45, "reject", "&reason=Outside%20our%20area"),
  // The main buyer, with a sandbox URL the daily regression lead goes to.
  {
    ...buyer("ops-main", 30, "accept", "&price=30"),
    endpoint: {
      url: "${MOCK_BUYER_ORIGIN}/b/ops-main/accept?respond=json&price=30",
      sandboxUrl: "${MOCK_BUYER_ORIGIN}/b/ops-main/accept?respond=json&sandbox=1",
      method: "POST",
      timeoutMs: 5000,
    },
  },
];
const LEADS = 12;

const VIEWPORTS = [
  { name: "laptop", width: 1366, height: 900 },
  { name: "phone", width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
] as const;

describe.skipIf(CHROMIUM === null && !browserRequired())("operator dashboards with a scenario's data, on a laptop and a phone", () => {
  let stack: Stack;
  let ops: MockOps;
  let browser: Browser;
  const ids: string[] = [];

  beforeAll(async () => {
    if (CHROMIUM === null) throw new Error(`LEADWIRE_REQUIRE_BROWSER=1 and no Chromium was found: ${INSTALL_HINT}`);
    mkdirSync(SHOTS, { recursive: true });
    ops = await startMockOps();
    const targets = [{ name: "e2e-oncall", url: `${ops.origin}/hooks/e2e-oncall`, format: "slack", level: 0, signingSecret: SIGNING }];
    [stack, browser] = await Promise.all([
      startStack({
        buyerConfigs: BUYERS,
        vars: { HARBOR_WEBHOOK_SECRET: WEBHOOK_SECRET, ALERT_TARGETS: JSON.stringify(targets), REGRESSION_HOUR_UTC: "0", PUBLIC_URL: "http://127.0.0.1" },
        mock: { webhookSecret: WEBHOOK_SECRET },
        sourceName: "Ops E2E source",
      }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
      }),
    ]);
    for (let i = 0; i < LEADS; i++) {
      const { status, body } = await postLead(stack, validLead(VERTICALS[i % VERTICALS.length] ?? "solar", i, "e2e-ops"));
      if (status !== 202) throw new Error(`posting a lead answered ${status}: ${JSON.stringify(body)}`);
      ids.push(String(body["id"]));
    }
    // Refused at intake: two bad e-mails, one bad ZIP, one malformed body.
    for (const [i, bad] of [
      { email: "nope" },
      { email: "still-nope" },
      { address: { street: "1 Main St", city: "Austin", state: "TX", zip: "12" } },
    ].entries()) {
      expect((await postLead(stack, { ...validLead("solar", i, "e2e-ops-bad"), ...bad })).status).toBe(400);
    }
    const views = await pollLeads(stack, ids, (v) => v.status === "sold", 60_000);
    const notSold = [...views.values()].filter((g) => g.view.status !== "sold").map((g) => `${g.view.id}: ${g.view.status}`);
    if (notSold.length > 0) throw new Error(`leads not sold in time: ${notSold.join(", ")}`);
    // The minute cron once: regression lead, alert rules (the open circuit), notifications, retention.
    expect(await stack.runScheduled()).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await ops?.close();
  });

  async function signedIn(vp: (typeof VIEWPORTS)[number]): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
    const context = await browser.newContext({
      viewport: { width: vp.width, height: vp.height },
      ...("isMobile" in vp ? { isMobile: vp.isMobile, hasTouch: vp.hasTouch, deviceScaleFactor: vp.deviceScaleFactor } : {}),
    });
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") cspErrors.push(m.text());
    });
    await page.goto(`${stack.baseUrl}/dashboard`);
    await page.locator("form.login input#token").fill(stack.adminToken);
    await Promise.all([page.waitForEvent("load"), page.locator("form.login button[type=submit]").click()]);
    return { context, page, cspErrors };
  }

  /** The page fits the viewport: nothing wider than the screen, the header whole at the top. */
  async function fits(page: Page): Promise<void> {
    const m = await page.evaluate(() => {
      const h = document.querySelector("header.top")?.getBoundingClientRect();
      const title = document.querySelector("header.top h1")?.getBoundingClientRect();
      return {
        scroll: document.documentElement.scrollWidth,
        width: window.innerWidth,
        top: h?.top ?? -1,
        hRight: h?.right ?? 0,
        tRight: title?.right ?? 0,
        links: document.querySelectorAll("header.top nav a").length,
      };
    });
    expect(m.scroll, "page wider than the screen").toBeLessThanOrEqual(m.width);
    expect(m.top).toBe(0);
    expect(m.tRight).toBeLessThanOrEqual(m.width);
    expect(m.hRight).toBeLessThanOrEqual(m.width);
  }

  it("an alert went out for the open circuit, signed, to the loopback target", async () => {
    let hooks: { headers: Record<string, string>; body: string }[] = [];
    for (let i = 0; i < 60 && hooks.length === 0; i++) {
      hooks = (await (await fetch(`${ops.origin}/_control/hooks?name=e2e-oncall`)).json()) as typeof hooks;
      if (hooks.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(hooks.length).toBeGreaterThanOrEqual(1);
    const texts = hooks.map((x) => (JSON.parse(x.body) as { text: string }).text);
    expect(texts.some((t) => t.includes("circuit_open") && t.includes("ops-down"))).toBe(true);
    expect(hooks[0]?.headers["webhook-signature"]).toMatch(/^v1,/);
  });

  for (const vp of VIEWPORTS) {
    it(`executive, operations and diagnostics on a ${vp.name}`, async () => {
      const { context, page, cspErrors } = await signedIn(vp);
      try {
        const res = await page.goto(`${stack.baseUrl}/dashboard?view=executive&window=24h`);
        expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
        expect((await page.locator("[data-kpi=leads]").innerText()).trim()).toBe(String(LEADS));
        expect((await page.locator("[data-kpi=sold]").innerText()).trim()).toBe(String(LEADS));
        // Auto leads sold to the async buyer at 50 by callback, the rest to the main buyer at 30.
        const auto = LEADS / VERTICALS.length;
        expect((await page.locator("[data-kpi=revenue]").innerText()).trim()).toBe(`$${(auto * 50 + (LEADS - auto) * 30).toFixed(2)}`);
        expect((await page.locator("[data-kpi=refused]").innerText()).trim()).toBe("3");
        expect(await page.locator("#chart-revenue svg rect.bar").count()).toBe(24);
        expect(await page.locator("#revenue-by-buyer li").count()).toBe(2);
        // Money per buyer from the sales rows, the callback's sales included; this source has no
        // payout rule, so it is paid nothing and the whole revenue is margin.
        const asyncMoney = page.locator('#buyer-money tr[data-buyer="ops-async"]');
        expect(await asyncMoney.locator("[data-col=revenue]").innerText()).toBe(`$${(auto * 50).toFixed(2)}`);
        expect(await asyncMoney.locator("[data-col=payout]").innerText()).toBe("$0.00");
        expect(await asyncMoney.locator("[data-col=margin-pct]").innerText()).toBe("100.0%");
        expect((await page.locator("[data-kpi=payout]").innerText()).trim()).toBe("$0.00");
        await fits(page);
        await page.screenshot({ path: join(SHOTS, `executive-${vp.name}.png`), fullPage: true });

        await Promise.all([page.waitForEvent("load"), page.getByRole("link", { name: "Operations" }).click()]);
        const down = page.locator('tr[data-buyer="ops-down"]');
        expect((await down.locator("td").nth(1).innerText()).trim()).toMatch(/^open/);
        expect(await down.locator("[data-error-class=transient]").count()).toBe(1);
        // The asynchronous buyer sold every lead it acknowledged by callback: 100 %, not 0 %.
        expect((await page.locator('tr[data-buyer="ops-async"] [data-success]').innerText()).trim()).toBe("100.0%");
        expect((await page.locator('tr[data-buyer="ops-picky"] [data-success]').innerText()).trim()).toBe("0.0%");
        expect(await page.locator('tr[data-buyer="ops-main"] [data-cap]').count()).toBe(4);
        expect(await page.locator('tr[data-buyer="ops-main"]').innerText()).toMatch(/passed/);
        expect(await page.locator('tr[data-buyer="ops-picky"]').innerText()).toMatch(/skipped: no sandbox/);
        expect(await page.locator('#open-alerts tr[data-alert="circuit_open"]').count()).toBe(1);
        // The script runs under the CSP: its auto-refresh countdown is live.
        await expect.poll(() => page.locator("[data-refresh] span").innerText()).toMatch(/Refreshing in \d+ s/);
        await fits(page);
        await page.screenshot({ path: join(SHOTS, `operations-${vp.name}.png`), fullPage: true });

        // Sortable: by attempts, most first (column headers on a laptop, the sort form on a phone, where each buyer is a card).
        if (vp.name === "laptop") await Promise.all([page.waitForEvent("load"), page.locator("th a[data-sort=attempts]").click()]);
        else {
          await page.locator("#sortbar select[name=sort]").selectOption("attempts");
          await page.locator("#sortbar select[name=dir]").selectOption("desc");
          await Promise.all([page.waitForEvent("load"), page.locator("#sortbar button[type=submit]").click()]);
        }
        expect(new URL(page.url()).searchParams.get("sort")).toBe("attempts");
        const counts = await page.locator("tr[data-buyer] td:nth-child(3)").allInnerTexts();
        expect(counts.map(Number)).toEqual([...counts.map(Number)].sort((a, b) => b - a));

        await Promise.all([page.waitForEvent("load"), page.getByRole("link", { name: "Diagnostics" }).click()]);
        expect(await page.locator("#failures tbody tr").count()).toBeGreaterThan(0);
        expect(await page.locator("#refusals tbody tr", { hasText: "email" }).locator("td").nth(2).innerText()).toBe("2");
        expect(await page.locator("#alerts tr", { hasText: "ops-down" }).filter({ hasText: "circuit_open" }).count()).toBe(1);
        expect(await page.content()).not.toMatch(/@example\.com/);
        await fits(page);
        await page.screenshot({ path: join(SHOTS, `diagnostics-${vp.name}.png`), fullPage: true });

        // Filter: one buyer, one class.
        await page.locator("select[name=buyer]").selectOption("ops-picky");
        await Promise.all([page.waitForEvent("load"), page.locator("#filters button[type=submit]").click()]);
        const rows = page.locator("#failures tbody tr");
        expect(await rows.count()).toBeGreaterThan(0);
        expect(await rows.filter({ hasNotText: "ops-picky" }).count()).toBe(0);
        expect(cspErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it("a lead's page: timeline, every attempt masked, and the exact request revealed for an admin", async () => {
    const { context, page, cspErrors } = await signedIn(VIEWPORTS[0]);
    try {
      // A lead that met the down buyer first (its circuit had not opened yet) then sold.
      let target = ids[0] ?? "";
      for (const id of ids) {
        const { view } = await getLead(stack, id);
        if (view.attempts.some((a) => a.buyer === "ops-down")) {
          target = id;
          break;
        }
      }
      await page.goto(`${stack.baseUrl}/dashboard/leads/${target}`);
      expect(await page.locator("[data-status]").innerText()).toBe("sold");
      expect(await page.locator("#timeline li").count()).toBeGreaterThanOrEqual(2);
      const attempts = page.locator("[data-attempt]");
      expect(await attempts.count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator("#lead-masked").innerText()).not.toMatch(/@example\.com/);
      await page.locator("[data-attempt] details summary").first().click();
      await page.evaluate(() => window.scrollTo(0, 0));
      await fits(page);
      await page.screenshot({ path: join(SHOTS, "lead-laptop.png"), fullPage: true });
      const { view } = await getLead(stack, target);
      await Promise.all([page.waitForEvent("load"), page.locator("[data-reveal]").first().click()]);
      expect(await page.locator("#exact-request").count(), (await page.content()).slice(0, 500)).toBe(1);
      const exact = await page.locator("#exact-request").innerText();
      expect(exact).toContain('"method": "POST"');
      expect(exact).toMatch(/@/);
      expect(view.lead).toBeDefined();
      await page.screenshot({ path: join(SHOTS, "reveal-laptop.png"), fullPage: true });
      expect(cspErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("acknowledging the alert from the dashboard stops its escalation", async () => {
    const { context, page } = await signedIn(VIEWPORTS[1]);
    try {
      await page.goto(`${stack.baseUrl}/dashboard?view=operations`);
      const row = page.locator('#open-alerts tr[data-alert="circuit_open"]');
      await Promise.all([page.waitForEvent("load"), row.getByRole("button", { name: "Acknowledge" }).click()]);
      expect(await page.locator('#open-alerts tr[data-alert="circuit_open"]').count(), (await page.content()).slice(0, 500)).toBe(1);
      expect(await page.locator('#open-alerts tr[data-alert="circuit_open"]').innerText()).toMatch(/acked/);
      const list = await (await fetch(`${stack.baseUrl}/v1/alerts`, { headers: { authorization: `Bearer ${stack.adminToken}` } })).json();
      const a = (list as { alerts: { kind: string; subject: string; ackedBy: string | null }[] }).alerts.find(
        (x) => x.kind === "circuit_open" && x.subject === "ops-down",
      );
      expect(a?.ackedBy).toBe("dashboard");
    } finally {
      await context.close();
    }
  });
});
