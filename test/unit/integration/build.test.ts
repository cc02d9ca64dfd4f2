import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/integration/errors";
import { buildRequest, compileBuyer } from "../../../src/integration/mapping/request";
import { buyer, ctx, lead } from "./helpers";

describe("buildRequest", () => {
  const b = buyer({
    endpoint: {
      url: "${MOCK_BUYER_ORIGIN}/b/x/accept?respond=json",
      sandboxUrl: "${MOCK_BUYER_ORIGIN}/b/x/sandbox",
      method: "PUT",
      headers: { "X-Partner": "lw", "X-Key": { secret: "ACME_API_KEY" }, "content-type": "application/vnd.buyer+json" },
    },
  });

  it("substitutes ${VARS}, resolves secret headers, adds idempotency and delivery id headers", () => {
    const { request } = buildRequest(b, lead(), ctx());
    expect(request.method).toBe("PUT");
    expect(request.url).toBe("http://127.0.0.1:8788/b/x/accept?respond=json");
    expect(request.headers).toEqual({
      "content-type": "application/vnd.buyer+json",
      "X-Partner": "lw",
      "X-Key": "acme-key-123456",
      "Idempotency-Key": "idem_1",
      "X-Leadwire-Delivery-Id": "dlv_1",
    });
    expect(JSON.parse(request.body ?? "")).toEqual({ first: "Renée" });
  });

  it("sandbox uses the sandbox URL and marks the lead as a test", () => {
    const { request } = buildRequest(b, lead(), ctx({ sandbox: true }));
    expect(request.url).toBe("http://127.0.0.1:8788/b/x/sandbox");
    expect(request.headers["X-Leadwire-Test"]).toBe("true");
  });

  it("a missing secret or variable is a ConfigError, before any HTTP call", () => {
    const noSecret = (() => {
      try {
        buildRequest(b, lead(), ctx({ secret: () => undefined }));
      } catch (e) {
        return e;
      }
    })();
    expect(noSecret).toBeInstanceOf(ConfigError);
    expect(noSecret).toMatchObject({ field: "endpoint.headers.X-Key", secret: "ACME_API_KEY", message: "secret ACME_API_KEY is not set" });
    expect(() => buildRequest(b, lead(), ctx({ vars: () => undefined }))).toThrow(/\$\{MOCK_BUYER_ORIGIN\} is not set/);
  });

  it("compiles each config once", () => {
    expect(compileBuyer(b)).toBe(compileBuyer(b));
  });
});
