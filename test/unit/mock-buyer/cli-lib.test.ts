import { describe, expect, it } from "vitest";
import { newApiKey, newId, sha256Hex } from "../../../src/cli/lib/keys.mjs";
import { createSourceSql, revokeSourceSql, sqlString, validateSourceName } from "../../../src/cli/lib/sql.mjs";
import { sha256Hex as workerSha256Hex } from "../../../src/core/crypto";

// The CLIs (npm run dev, source:create) store keys the Worker must later recognise.
describe("CLI source helpers", () => {
  it("makes lw_ + 40 base62 keys whose hash matches the Worker's", async () => {
    const key = newApiKey();
    expect(key).toMatch(/^lw_[0-9A-Za-z]{40}$/);
    expect(newApiKey()).not.toBe(key);
    expect(sha256Hex(key)).toBe(await workerSha256Hex(key));
  });

  it("makes time-sortable ids like src/ids.ts", () => {
    const a = newId("src", 1_000);
    const b = newId("src", 2_000);
    expect(a).toMatch(/^src_[0-9a-z]{26}$/);
    expect(a < b).toBe(true);
  });

  it("stores only the hash and the 12-char prefix, never the key", () => {
    const s = createSourceSql({ name: "Acme Leads", id: "src_demo", nowMs: Date.UTC(2026, 0, 1) });
    expect(s.keyPrefix).toBe(s.apiKey.slice(0, 12));
    expect(s.sql).toContain(`'${sha256Hex(s.apiKey)}'`);
    expect(s.sql).not.toContain(s.apiKey);
    expect(s.sql).toContain("ON CONFLICT(id) DO UPDATE");
    expect(s.sql).toContain("'2026-01-01T00:00:00.000Z'");
  });

  it("rejects names and ids that could break out of the SQL string", () => {
    expect(() => validateSourceName("x'); DROP TABLE sources; --")).toThrow(/Source name/);
    expect(() => validateSourceName("")).toThrow();
    expect(validateSourceName("Acme_Leads-2.0 east")).toBe("Acme_Leads-2.0 east");
    expect(() => revokeSourceSql("src_1' OR '1'='1")).toThrow(/Not a source id/);
    expect(() => createSourceSql({ name: "ok", webhookUrl: "javascript:alert(1)" })).toThrow();
    expect(sqlString("O'Brien")).toBe("'O''Brien'");
  });

  it("gives a source with a webhook URL its own signing secret", () => {
    const s = createSourceSql({ name: "Hooked", webhookUrl: "https://example.com/hook" });
    expect(s.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(s.sql).toContain("'https://example.com/hook'");
  });
});
