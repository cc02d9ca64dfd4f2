import type { ZodError } from "zod";

export const ERROR_STATUS = {
  bad_request: 400,
  malformed_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `address.zip` or `consent.trustedform_cert_url`. */
  path: string;
  message: string;
}

/** The one error type routes throw; `onError` turns it into the documented error body. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** `["address", "zip"]` → `address.zip`; array indexes as `[0]`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out || "(body)";
}

export function zodIssues(err: ZodError): FieldIssue[] {
  return err.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function errorBody(code: ErrorCode, message: string, requestId: string, issues: FieldIssue[] = []) {
  return { error: { code, message, requestId, issues } };
}
