import { describe, expect, it } from "vitest";
import { classify } from "../../../src/buyer-gate/classify";

describe("classify: the error-class table", () => {
  it.each([
    [{ timedOut: true }, "failed", "ambiguous"],
    [{ error: new TypeError("connect ECONNREFUSED 127.0.0.1:9") }, "failed", "transient"],
    [{ error: new Error("Network connection lost.") }, "failed", "ambiguous"],
    [{ error: new Error("read ECONNRESET") }, "failed", "ambiguous"],
    [{ status: 503 }, "failed", "transient"],
    [{ status: 429 }, "failed", "transient"],
    [{ status: 408 }, "failed", "transient"],
    [{ status: 400 }, "failed", "client"],
    [{ status: 401 }, "failed", "client"],
    [{ status: 403 }, "failed", "client"],
    [{ status: 404 }, "failed", "client"],
    [{ status: 410 }, "failed", "client"],
    [{ status: 422 }, "failed", "client"],
    [{ status: 301 }, "failed", "client"],
    [{ status: 302 }, "failed", "client"],
    [{ status: 500 }, "failed", "server"],
    [{ status: 502 }, "failed", "server"],
    [{ status: 504 }, "failed", "server"],
    [{ status: 200, parsed: { outcome: "accepted" as const } }, "accepted", undefined],
    [{ status: 202, parsed: { outcome: "accepted" as const, pending: true } }, "pending", undefined],
    [{ status: 200, parsed: { outcome: "rejected" as const, reason: "duplicate" } }, "rejected", "rejected"],
    [{ status: 200, parsed: { outcome: "error" as const } }, "failed", "server"],
    [{ status: 200, parsed: { outcome: "unrecognized" as const } }, "failed", "server"],
    [{ status: 200 }, "failed", "server"],
    [{ error: new TypeError("Invalid URL: ${MISSING}/x") }, "failed", "client"],
  ])("%j → %s / %s", (input, outcome, errorClass) => {
    const c = classify(input);
    expect(c.outcome).toBe(outcome);
    expect(c.errorClass).toBe(errorClass);
  });

  it("a 2xx the rules cannot read says so", () => {
    expect(classify({ status: 200, parsed: { outcome: "unrecognized" } }).reason).toBe("unrecognized response");
  });

  it("a non-2xx status wins over what the rules read in an error page", () => {
    expect(classify({ status: 500, parsed: { outcome: "accepted" } }).errorClass).toBe("server");
    expect(classify({ status: 404, parsed: { outcome: "rejected" } }).errorClass).toBe("client");
  });

  it("keeps the buyer's rejection reason", () => {
    expect(classify({ status: 200, parsed: { outcome: "rejected", reason: "duplicate lead" } }).reason).toBe("duplicate lead");
  });

  it("a timeout wins over a partial response", () => {
    expect(classify({ timedOut: true, status: 200, parsed: { outcome: "accepted" } }).errorClass).toBe("ambiguous");
  });
});

describe("explicit rejections on 4xx", () => {
  it("a 409 the buyer's rules read as rejected cascades as a rejection, not a config fault", () => {
    expect(classify({ status: 409, parsed: { outcome: "rejected", reason: "duplicate" } })).toEqual({
      outcome: "rejected",
      errorClass: "rejected",
      reason: "duplicate",
    });
    expect(classify({ status: 400, parsed: { outcome: "rejected" } })).toMatchObject({ outcome: "rejected", errorClass: "rejected" });
  });
  it("a 4xx without such a rule stays a client error, and 401/403/404/410 are never rejections", () => {
    expect(classify({ status: 409, parsed: { outcome: "unrecognized" } })).toMatchObject({ errorClass: "client" });
    for (const status of [401, 403, 404, 410]) expect(classify({ status, parsed: { outcome: "rejected" } })).toMatchObject({ errorClass: "client" });
  });
});

describe("the buyer's own words are kept for every class", () => {
  const said = (reason: string) => ({ outcome: "error" as const, reason });

  it.each([
    [400, "client", "client error (400): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [401, "client", "client error (401): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [422, "client", "client error (422): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [500, "server", "server error (500): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [502, "server", "server error (502): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [503, "transient", "service unavailable (503): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [429, "transient", "rate limited by the buyer (429): REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
    [302, "client", "redirect (302) not followed: REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)"],
  ])("%i → %s, label then the body's words", (status, errorClass, reason) => {
    expect(classify({ status, parsed: said("REQUIRED_FIELD_MISSING: Required fields are missing: [LastName] (fields: LastName)") })).toEqual({
      outcome: "failed",
      errorClass,
      reason,
    });
  });

  it("the fixed text stays when the body says nothing", () => {
    expect(classify({ status: 400, parsed: { outcome: "unrecognized" } }).reason).toBe("bad request (400)");
    expect(classify({ status: 410, parsed: { outcome: "error", reason: "  " } }).reason).toBe("endpoint gone (410)");
    expect(classify({ status: 500 }).reason).toBe("server error (500)");
    expect(classify({ status: 429 }).reason).toBe("rate limited by the buyer (429)");
  });

  it("2xx answers: errors, rejections and unreadable answers keep what the rules found", () => {
    expect(classify({ status: 200, parsed: { outcome: "error", reason: "Invalid CampaignId" } }).reason).toBe("buyer error: Invalid CampaignId");
    expect(classify({ status: 200, parsed: { outcome: "rejected", reason: "CONFLICT: exists" } }).reason).toBe("CONFLICT: exists");
    expect(classify({ status: 200, parsed: { outcome: "unrecognized", reason: "Object reference not set" } }).reason).toBe(
      "unrecognized response: Object reference not set",
    );
  });

  it("a rejection on a 4xx keeps the buyer's words alone", () => {
    expect(classify({ status: 409, parsed: { outcome: "rejected", reason: "CONFLICT: Contact already exists. Existing ID: 7415" } })).toEqual({
      outcome: "rejected",
      errorClass: "rejected",
      reason: "CONFLICT: Contact already exists. Existing ID: 7415",
    });
  });

  it("a buyer echoing the lead's e-mail or phone is masked like every stored value, and long bodies are bounded", () => {
    const r = classify({ status: 400, parsed: said("INVALID_EMAIL: Email address renee.obrien@example.com is invalid; phone (214) 715-3718") }).reason ?? "";
    expect(r).not.toContain("renee.obrien@");
    expect(r).not.toContain("715-3718");
    expect(r).toContain("INVALID_EMAIL");
    const long = classify({ status: 500, parsed: said("x".repeat(5000)) }).reason ?? "";
    expect(long.length).toBeLessThanOrEqual("server error (500): ".length + 500);
  });
});
