import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkBuyers } from "../../../src/cli/buyers-check";
import { validateWebhook } from "../../../src/integration/validate";
import type { WebhookConfigInput } from "../../../src/integration/webhook-config";
import { buyer } from "./helpers";

const root = fileURLToPath(new URL("../../..", import.meta.url));

const events: WebhookConfigInput["events"] = {
  type: { jsonPath: "$.type" },
  types: { "lead.status": "status" },
  status: { deliveryId: { jsonPath: "$.delivery_id" }, status: { jsonPath: "$.status" } },
};
const webhook = (over: Partial<WebhookConfigInput>): WebhookConfigInput => ({ scheme: "github", secrets: [{ secret: "X_WEBHOOK_SECRET" }], events, ...over });

describe("webhook replay check (buyers:check)", () => {
  it("refuses an unsigned id header for every scheme, naming the path and what to do", () => {
    for (const scheme of ["github", "header", "stripe", "standard_webhooks"] as const) {
      const problems = validateWebhook(buyer({ webhook: webhook({ scheme, header: "X-Signature", idHeader: "X-Delivery" }) }));
      expect(problems, scheme).toHaveLength(1);
      expect(problems[0]?.path).toBe("webhook.idHeader");
      expect(problems[0]?.message).toMatch(/X-Delivery is not covered by the .* signature.*replay/);
    }
  });

  it("accepts every scheme without one: the body id, the signed webhook-id or a digest of the signed body identifies the event", () => {
    for (const scheme of ["github", "header", "stripe", "standard_webhooks"] as const) {
      expect(validateWebhook(buyer({ webhook: webhook({ scheme, header: "X-Signature" }) })), scheme).toEqual([]);
      expect(validateWebhook(buyer({ webhook: webhook({ scheme, header: "X-Signature", events: { ...events, id: { jsonPath: "$.id" } } }) }))).toEqual([]);
    }
  });

  it("npm run buyers:check reports the file and path of a replayable webhook config", () => {
    const dir = mkdtempSync(join(tmpdir(), "leadwire-check-"));
    mkdirSync(join(dir, "buyers"));
    copyFileSync(join(root, ".dev.vars.example"), join(dir, ".dev.vars.example"));
    const harbor = JSON.parse(readFileSync(join(root, "buyers", "harbor-auto.json"), "utf8")) as Record<string, unknown> & { webhook: Record<string, unknown> };
    harbor.webhook = { ...harbor.webhook, scheme: "github", idHeader: "X-GitHub-Delivery" };
    writeFileSync(join(dir, "buyers", "harbor-auto.json"), JSON.stringify(harbor));
    const { problems } = checkBuyers(dir);
    expect(problems).toEqual([
      {
        file: "buyers/harbor-auto.json",
        path: "webhook.idHeader",
        message: expect.stringContaining("X-GitHub-Delivery is not covered by the github signature") as unknown as string,
      },
    ]);
  });
});
