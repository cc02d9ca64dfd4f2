import { BodyTooLarge, readBodyBytes } from "../core/body-bytes";
import { ApiError } from "../core/errors";

/**
 * Reads a JSON body with the checks a public endpoint needs, in the order that costs least:
 * content type (415), declared and actual size (413, stops reading past the limit), then
 * JSON syntax (400). Returns the raw text too, for signature checks over exact bytes.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<{ text: string; json: unknown }> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(json|[\w.+-]+\+json)\s*(;|$)/i.test(type)) {
    throw new ApiError("unsupported_media_type", "Send the body as JSON: Content-Type: application/json.");
  }
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError("payload_too_large", `The body is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const text = await readLimited(req, maxBytes);
  if (text.trim() === "") throw new ApiError("malformed_json", "The body is empty; send a JSON object.");
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new ApiError("malformed_json", `The body is not valid JSON: ${err instanceof Error ? err.message : "parse error"}.`);
  }
}

/** Reads at most `maxBytes` of the body as UTF-8; a longer body is refused without reading it all. */
export async function readLimited(req: Request, maxBytes: number): Promise<string> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readBodyBytes(req, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new ApiError("payload_too_large", `The body is over the ${maxBytes}-byte limit.`);
    throw err;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("malformed_json", "The body is not valid UTF-8.");
  }
}
