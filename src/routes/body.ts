import type { Context } from "hono";
import { ApiError } from "../errors";

/**
 * Reads a JSON body with the checks a public endpoint needs, in the order that costs least:
 * content type (415), declared and actual size (413, stops reading past the limit), then
 * JSON syntax (400). Returns the raw text too, for signature checks over exact bytes.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<{ text: string; json: unknown }> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(json|[\w.+-]+\+json)\s*(;|$)/i.test(type)) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON: Content-Type: application/json.");
  }
  const declared = Number(c.req.header("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError("payload_too_large", `The body is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const text = await readLimited(c.req.raw, maxBytes);
  if (text.trim() === "") throw new ApiError("malformed_json", "The body is empty; send a JSON object.");
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new ApiError("malformed_json", `The body is not valid JSON: ${err instanceof Error ? err.message : "parse error"}.`);
  }
}

/** Reads at most `maxBytes` of the body; a longer body is refused without reading it all. */
export async function readLimited(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `The body is over the ${maxBytes}-byte limit.`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const ch of chunks) {
    all.set(ch, off);
    off += ch.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(all);
  } catch {
    throw new ApiError("malformed_json", "The body is not valid UTF-8.");
  }
}
