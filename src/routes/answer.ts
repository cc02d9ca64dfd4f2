import { HTTPException } from "hono/http-exception";
import { ApiError, type ErrorCode, errorBody } from "../core/errors";
import { SettingsError } from "../core/settings";
import { log } from "../observability/log";

/**
 * What every answer shares, whether the router gave it or the direct lead entry
 * (`postLeadDirect`): the request id, the error body, the headers.
 */

/** The caller's request id (Cloudflare's ray id, or the client's `X-Request-Id`) when it is a plain token, else a new one. */
export function requestIdOf(headers: Headers): string {
  const incoming = headers.get("cf-ray") ?? headers.get("x-request-id");
  return incoming && /^[\w-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
}

/** The headers on every answer: its request id, and no sniffing of one type into another (JSON read as HTML, …). */
export function answerHeaders(requestId: string): [string, string][] {
  return [
    ["X-Request-Id", requestId],
    ["X-Content-Type-Options", "nosniff"],
  ];
}

function errorJson(
  code: ErrorCode,
  message: string,
  requestId: string,
  status: number,
  headers: Record<string, string> = {},
  issues: ApiError["issues"] = [],
): Response {
  return Response.json(errorBody(code, message, requestId, issues), { status, headers: [...Object.entries(headers), ...answerHeaders(requestId)] });
}

/**
 * The answer to an error: an ApiError as the documented error body with its status and
 * headers; a misconfigured Worker as 503; a client error the router raised as its 4xx; anything
 * else logged (with the request id the answer quotes) and answered 500 without detail. Each
 * carries the answer headers, also when the error came before the middleware that adds them
 * (a misconfigured Worker's does).
 */
export function errorResponse(err: unknown, requestId: string, where: { method: string; path: string }): Response {
  if (err instanceof ApiError) return errorJson(err.code, err.message, requestId, err.status, err.headers, err.issues);
  if (err instanceof SettingsError) {
    log("error", "leadwire is misconfigured", { requestId, issues: err.issues });
    return errorJson("unavailable", "Leadwire is not configured correctly; the operator has been told.", requestId, 503);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const status = err.status;
    const code = status === 400 ? "bad_request" : status === 401 ? "unauthorized" : status === 413 ? "payload_too_large" : "bad_request";
    return errorJson(code, err.message || "Bad request.", requestId, status);
  }
  log("error", "unhandled error", {
    requestId,
    path: where.path,
    method: where.method,
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return errorJson("internal", "Something went wrong on our side. Quote the request id when you contact us.", requestId, 500);
}
