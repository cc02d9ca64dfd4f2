import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";
it("answers", async () => {
  const res = await exports.default.fetch("http://x/health");
  expect(await res.json()).toEqual({ ok: true, x: 1 });
  const stub = env.BUYER_GATE.get(env.BUYER_GATE.idFromName("a"));
  expect(await stub.health()).toBe("ok");
});
