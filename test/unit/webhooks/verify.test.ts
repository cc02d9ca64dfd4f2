import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type VerifyConfig, verifyWebhook } from "../../../src/webhooks/verify";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, seconds
const NOW = T0 * 1000;

function flipByte(s: string, i = 2): Uint8Array<ArrayBuffer> {
  const b = enc.encode(s);
  b[i] = (b[i] ?? 0) ^ 0x01;
  return b;
}

const base = { encoding: "hex", toleranceSeconds: 300 } as const;

describe("GitHub scheme", () => {
  const cfg: VerifyConfig = { ...base, scheme: "github" };
  const secret = "It's a Secret to Everybody";
  const sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
  const headers = (s = sig) => new Headers({ "X-Hub-Signature-256": s, "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958" });

  it("accepts GitHub's published vector and offers no event id (X-GitHub-Delivery is not signed)", async () => {
    const r = await verifyWebhook(cfg, [secret], headers(), bytes("Hello, World!"), NOW);
    expect(r).toEqual({ ok: true, secretIndex: 0 });
  });

  it("refuses one flipped body byte, a wrong secret, a flipped signature digit and a missing header", async () => {
    expect(await verifyWebhook(cfg, [secret], headers(), flipByte("Hello, World!"), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, ["It's a secret to everybody"], headers(), bytes("Hello, World!"), NOW)).toEqual({
      ok: false,
      reason: "signature_mismatch",
    });
    const flipped = `${sig.slice(0, -1)}${sig.endsWith("7") ? "6" : "7"}`;
    expect(await verifyWebhook(cfg, [secret], headers(flipped), bytes("Hello, World!"), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, [secret], new Headers(), bytes("Hello, World!"), NOW)).toEqual({ ok: false, reason: "missing_signature" });
  });

  it("refuses when no secret is configured", async () => {
    expect(await verifyWebhook(cfg, [undefined], headers(), bytes("Hello, World!"), NOW)).toEqual({ ok: false, reason: "no_usable_secret" });
  });
});

describe("Standard Webhooks scheme", () => {
  const cfg: VerifyConfig = { ...base, scheme: "standard_webhooks" };
  // Reference behaviour: key = base64-decode(secret without whsec_), content = `${id}.${ts}.${body}`.
  const keyBytes = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64");
  const secret = `whsec_${keyBytes.toString("base64")}`;
  const sign = (key: Buffer, id: string, ts: number, body: string) => createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  const body = '{"type":"lead.accepted","data":{"id":"dlv_1","price":12.5}}';
  const h = (id: string, ts: number, sig: string) => new Headers({ "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig });

  it("matches the published reference vector", async () => {
    const r = await verifyWebhook(
      cfg,
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      h("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
      bytes('{"test": 2432232314}'),
      1614265330 * 1000,
    );
    expect(r).toMatchObject({ ok: true, signedEventId: "msg_p5jXN8AQM9LWM0D4loKWxJek" });
  });

  it("uses the base64-decoded whsec_ key, not the secret's text", async () => {
    const good = sign(keyBytes, "msg_1", T0, body);
    expect(await verifyWebhook(cfg, [secret], h("msg_1", T0, `v1,${good}`), bytes(body), NOW)).toMatchObject({ ok: true, timestamp: T0 });
    const textKey = createHmac("sha256", secret).update(`msg_1.${T0}.${body}`).digest("base64");
    expect(await verifyWebhook(cfg, [secret], h("msg_1", T0, `v1,${textKey}`), bytes(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("passes a header listing several signatures when any one matches", async () => {
    const good = sign(keyBytes, "msg_2", T0, body);
    const other = sign(Buffer.from("another key entirely"), "msg_2", T0, body);
    const header = `v1,${other} v1a,bm90LWEtc2lnbmF0dXJl v1,${good}`;
    expect(await verifyWebhook(cfg, [secret], h("msg_2", T0, header), bytes(body), NOW)).toMatchObject({ ok: true });
    expect(await verifyWebhook(cfg, [secret], h("msg_2", T0, `v1,${other}`), bytes(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("refuses a flipped body byte, a changed id and a re-serialized body", async () => {
    const good = `v1,${sign(keyBytes, "msg_3", T0, body)}`;
    expect(await verifyWebhook(cfg, [secret], h("msg_3", T0, good), flipByte(body, 10), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, [secret], h("msg_4", T0, good), bytes(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    const pretty = JSON.stringify(JSON.parse(body), null, 1);
    expect(pretty).not.toBe(body);
    expect(await verifyWebhook(cfg, [secret], h("msg_3", T0, good), bytes(pretty), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
  });

  it("accepts 300 s of skew either way and refuses 301 s old or 301 s ahead", async () => {
    for (const [offset, expected] of [
      [-300, { ok: true }],
      [300, { ok: true }],
      [-301, { ok: false, reason: "timestamp_too_old" }],
      [301, { ok: false, reason: "timestamp_in_future" }],
    ] as const) {
      const ts = T0 + offset;
      const sig = `v1,${sign(keyBytes, "msg_t", ts, body)}`;
      expect(await verifyWebhook(cfg, [secret], h("msg_t", ts, sig), bytes(body), NOW), `offset ${offset}`).toMatchObject(expected);
    }
  });

  it("refuses missing id or timestamp", async () => {
    const sig = `v1,${sign(keyBytes, "msg_5", T0, body)}`;
    expect(await verifyWebhook(cfg, [secret], new Headers({ "webhook-timestamp": String(T0), "webhook-signature": sig }), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "missing_id",
    });
    expect(await verifyWebhook(cfg, [secret], new Headers({ "webhook-id": "msg_5", "webhook-signature": sig }), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "missing_timestamp",
    });
  });

  it("rotation: old and new secrets both pass, and the index tells which", async () => {
    const oldKey = Buffer.from("old-key-old-key-old-key-32-bytes");
    const newKey = Buffer.from("new-key-new-key-new-key-32-bytes");
    const secrets = [`whsec_${newKey.toString("base64")}`, `whsec_${oldKey.toString("base64")}`];
    const byOld = `v1,${sign(oldKey, "msg_r", T0, body)}`;
    const byNew = `v1,${sign(newKey, "msg_r", T0, body)}`;
    expect(await verifyWebhook(cfg, secrets, h("msg_r", T0, byOld), bytes(body), NOW)).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verifyWebhook(cfg, secrets, h("msg_r", T0, byNew), bytes(body), NOW)).toMatchObject({ ok: true, secretIndex: 0 });
    expect(await verifyWebhook(cfg, [secrets[0]], h("msg_r", T0, byOld), bytes(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});

describe("Stripe-style scheme", () => {
  const cfg: VerifyConfig = { ...base, scheme: "stripe" };
  const secret = "whsec_stripe_style_test_secret";
  const body = '{"id":"evt_1","type":"lead.converted","data":{"lead":"B-77","revenue":"420.00"}}';
  const sign = (key: string, ts: number, b: string) => createHmac("sha256", key).update(`${ts}.${b}`).digest("hex");
  const h = (v: string) => new Headers({ "Stripe-Signature": v });

  it("accepts t=…,v1=… signed over `t.body`, with any of several v1 values", async () => {
    const good = sign(secret, T0, body);
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0},v1=${good}`), bytes(body), NOW)).toMatchObject({ ok: true, timestamp: T0 });
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0},v1=${"0".repeat(64)},v1=${good},v0=abc`), bytes(body), NOW)).toMatchObject({ ok: true });
  });

  it("refuses a flipped body byte, a re-serialized body, another timestamp and stale or future times", async () => {
    const good = sign(secret, T0, body);
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0},v1=${good}`), flipByte(body, 5), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0},v1=${good}`), bytes(reserialized), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0 + 1},v1=${good}`), bytes(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0 - 300},v1=${sign(secret, T0 - 300, body)}`), bytes(body), NOW)).toMatchObject({ ok: true });
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0 - 301},v1=${sign(secret, T0 - 301, body)}`), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "timestamp_too_old",
    });
    expect(await verifyWebhook(cfg, [secret], h(`t=${T0 + 301},v1=${sign(secret, T0 + 301, body)}`), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "timestamp_in_future",
    });
    expect(await verifyWebhook(cfg, [secret], h(`v1=${good}`), bytes(body), NOW)).toEqual({ ok: false, reason: "missing_timestamp" });
  });

  it("rotation: a signature by either configured secret passes", async () => {
    const secrets = ["whsec_new_one", "whsec_old_one"];
    for (const s of secrets) {
      expect(await verifyWebhook(cfg, secrets, h(`t=${T0},v1=${sign(s, T0, body)}`), bytes(body), NOW)).toMatchObject({ ok: true });
    }
    expect(await verifyWebhook(cfg, secrets, h(`t=${T0},v1=${sign("whsec_retired", T0, body)}`), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "signature_mismatch",
    });
  });
});

describe("plain header scheme", () => {
  const body = '{"event_id":"e1","kind":"feedback"}';
  const secret = "plain-secret";
  const mac = createHmac("sha256", secret).update(body);
  const digest = mac.digest();

  it("reads hex with a prefix; an unsigned id header is not offered as the event id", async () => {
    const cfg: VerifyConfig = { ...base, scheme: "header", header: "X-Signature", prefix: "sha256=", encoding: "hex" };
    const hdr = new Headers({ "X-Signature": `sha256=${digest.toString("hex")}`, "X-Event-Id": "e1" });
    expect(await verifyWebhook(cfg, [secret], hdr, bytes(body), NOW)).toEqual({ ok: true, secretIndex: 0 });
    expect(await verifyWebhook(cfg, [secret], hdr, flipByte(body), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
    expect(await verifyWebhook(cfg, [secret], new Headers({ "X-Signature": digest.toString("hex") }), bytes(body), NOW)).toEqual({
      ok: false,
      reason: "malformed_signature",
    });
  });

  it("reads base64 without a prefix", async () => {
    const cfg: VerifyConfig = { ...base, scheme: "header", header: "X-Lead-Signature", encoding: "base64" };
    const hdr = new Headers({ "X-Lead-Signature": digest.toString("base64") });
    expect(await verifyWebhook(cfg, ["old", secret], hdr, bytes(body), NOW)).toMatchObject({ ok: true, secretIndex: 1 });
    expect(await verifyWebhook(cfg, [secret], hdr, flipByte(body, 0), NOW)).toEqual({ ok: false, reason: "signature_mismatch" });
  });
});
