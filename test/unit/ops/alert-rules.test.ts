import { describe, expect, it } from "vitest";
import { AlertTargetSchema } from "../../../src/core/alert-targets";
import { settings } from "../../../src/core/settings";
import { pagerDutyBody, slackBody } from "../../../src/observability/alert-payloads";
import { type BuyerRuleInput, buyerConditions, escalationLevel, platformConditions, sourceConditions } from "../../../src/observability/alert-rules";
import { addCounts, type Counts, type CountsDelta, emptyCounts } from "../../../src/observability/rollup";

const c = (d: CountsDelta = {}): Counts => addCounts(emptyCounts(), d);

function buyer(over: Partial<BuyerRuleInput> = {}): BuyerRuleInput {
  return {
    buyerId: "acme",
    name: "Acme",
    timeoutMs: 1000,
    last15: c(),
    last30: c(),
    last60: c(),
    baseline: c(),
    circuit: { state: "closed", opens: 0, windowFailures: 0 },
    prevOpens: 0,
    paused: false,
    ...over,
  };
}

const firing = (conds: ReturnType<typeof buyerConditions>) => conds.filter((x) => x.firing).map((x) => x.kind);

describe("alert rules", () => {
  it("a healthy buyer fires nothing", () => {
    expect(firing(buyerConditions(buyer({ last30: c({ attempts: 50, att_accepted: 50 }), last60: c({ dlv_accepted: 50 }) })))).toEqual([]);
  });

  it("a circuit that opened (even if it closed again before this run) fires, and stands for the symptoms", () => {
    const sick = { attempts: 40, att_failed: 40, err_transient: 40, dlv_failed: 40 };
    const open = buyerConditions(buyer({ circuit: { state: "open", opens: 1, windowFailures: 10 }, last30: c(sick), last60: c(sick) }));
    expect(firing(open)).toEqual(["circuit_open"]);
    expect(firing(buyerConditions(buyer({ circuit: { state: "closed", opens: 2, windowFailures: 0 }, prevOpens: 1 })))).toEqual(["circuit_open"]);
    expect(buyerConditions(buyer()).find((x) => x.kind === "circuit_open")?.clear).toBe(true);
  });

  it("success 10 points below the 24-hour baseline fires only with enough deliveries", () => {
    const base = c({ dlv_accepted: 95, dlv_failed: 5 });
    expect(firing(buyerConditions(buyer({ baseline: base, last60: c({ dlv_accepted: 16, dlv_failed: 4 }) })))).toContain("success_drop");
    expect(firing(buyerConditions(buyer({ baseline: base, last60: c({ dlv_accepted: 8, dlv_failed: 2 }) })))).not.toContain("success_drop");
    expect(firing(buyerConditions(buyer({ baseline: base, last60: c({ dlv_accepted: 17, dlv_failed: 3 }) })))).not.toContain("success_drop");
  });

  it("error rate doubled, p95 above 80 % of the timeout, traffic without success", () => {
    const b = buyer({
      baseline: c({ attempts: 100, att_failed: 5 }),
      last30: c({ attempts: 20, att_failed: 4, att_rejected: 16 }),
      last15: c({ attempts: 20, lat_13: 20, latency_max: 9000 }),
    });
    expect(firing(buyerConditions(b))).toEqual(expect.arrayContaining(["error_rate", "latency_p95", "no_success"]));
    expect(firing(buyerConditions(buyer({ last30: c({ attempts: 4, att_failed: 4 }) })))).toEqual([]);
  });

  it("a run of authentication failures or a 410 is a config fault; it clears after 15 quiet minutes", () => {
    expect(firing(buyerConditions(buyer({ last15: c({ auth_failures: 3, err_client: 3 }) })))).toEqual(["config_fault"]);
    expect(firing(buyerConditions(buyer({ last15: c({ auth_failures: 2, err_client: 2 }) })))).toEqual([]);
    expect(firing(buyerConditions(buyer({ last15: c({ gone: 1, err_client: 1 }) })))).toEqual(["config_fault"]);
    const one = buyerConditions(buyer({ last15: c({ err_client: 1 }) })).find((x) => x.kind === "config_fault");
    expect(one).toMatchObject({ firing: false, clear: false });
  });

  it("a source's refusal rate jump, the queue backlog and dead letters", () => {
    const src = (last60: CountsDelta, baseline: CountsDelta = {}) =>
      sourceConditions({ sourceId: "s", name: "S", last60: c(last60), baseline: c(baseline) })[0]?.firing;
    expect(src({ leads: 10, refused: 10 })).toBe(true);
    expect(src({ leads: 10, refused: 10 }, { leads: 50, refused: 50 })).toBe(false);
    expect(src({ leads: 5, refused: 5 })).toBe(false);
    const p = platformConditions({ last15: c({ dead_letters: 2 }), backlog: 120 });
    expect(p.filter((x) => x.firing).map((x) => x.kind)).toEqual(["queue_backlog", "dead_letters"]);
    expect(platformConditions({ last15: c(), backlog: 60 })[0]).toMatchObject({ firing: false, clear: false });
  });

  it("escalates at 15 minutes and at an hour", () => {
    expect(escalationLevel(0, 14 * 60_000)).toBe(0);
    expect(escalationLevel(0, 15 * 60_000)).toBe(1);
    expect(escalationLevel(0, 60 * 60_000)).toBe(2);
  });
});

describe("alert bodies and targets", () => {
  const a = {
    id: "alr_1",
    kind: "circuit_open",
    subject: "acme",
    buyerId: "acme",
    severity: "critical" as const,
    message: "Acme: circuit open",
    level: 0,
    createdAt: "2030-01-01T00:00:00.000Z",
    resolvedAt: null,
    ackedAt: null,
  };
  it("Slack-compatible and PagerDuty Events v2", () => {
    expect(slackBody(a, "trigger", "https://lw.example").text).toContain("circuit_open");
    expect(pagerDutyBody(a, "trigger", "rk")).toMatchObject({
      routing_key: "rk",
      event_action: "trigger",
      dedup_key: "alr_1",
      payload: { severity: "critical" },
    });
    expect(pagerDutyBody(a, "resolve", "rk")).toEqual({ routing_key: "rk", event_action: "resolve", dedup_key: "alr_1" });
  });

  it("targets are checked when the Worker starts: a PagerDuty target needs its routing key, every target a signing secret", () => {
    expect(
      AlertTargetSchema.safeParse({
        name: "pd",
        url: "https://events.pagerduty.com/v2/enqueue",
        format: "pagerduty",
        signingSecret: "whsec_MDEyMzQ1Njc4OWFiY2RlZg==",
      }).success,
    ).toBe(false);
    expect(() => settings({ ALERT_TARGETS: '[{"name":"x","url":"https://h.example","format":"slack"}]' })).toThrow(/ALERT_TARGETS/);
    expect(
      settings({ ALERT_TARGETS: '[{"name":"x","url":"https://h.example","format":"slack","signingSecret":"whsec_MDEyMzQ1Njc4OWFiY2RlZg=="}]' }).alertTargets,
    ).toHaveLength(1);
  });
});
