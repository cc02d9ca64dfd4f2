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
