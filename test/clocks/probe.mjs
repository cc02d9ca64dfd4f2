#!/usr/bin/env node
// Prints the wall clock as node and as workerd (through miniflare's API, the same runtime the
// tests use) see it, as JSON. test/clocks/run.mjs runs it under a faked clock first, to prove
// the fake reaches the Workers runtime before the suite is trusted under it.
import { Miniflare } from "miniflare";

const mf = new Miniflare({
  modules: true,
  compatibilityDate: "2026-04-20",
  script: "export default { fetch() { return Response.json({ now: Date.now() }); } };",
});
try {
  const res = await mf.dispatchFetch("http://probe.local/");
  const { now } = /** @type {{ now: number }} */ (await res.json());
  console.log(JSON.stringify({ node: Date.now(), workerd: now }));
} finally {
  await mf.dispose();
}
