import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "../context";
import { ApiError, errorBody, type FieldIssue, formatPath } from "../core/errors";
import { ErrorSchema } from "../intake/schema";

/** Where a field issue was found, as the error body names it: `query.mode`, `header.idempotency-key`, `params.id`. */
const TARGET_PREFIX: Record<string, string> = { query: "query", header: "header", param: "params", cookie: "cookie", json: "", form: "" };

/**
 * A router for one resource. Every route is declared with `createRoute`, so the OpenAPI
 * document and `/docs` are generated from the same zod schemas that validate the request;
 * a failed validation answers the documented error body naming each field.
 */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      return c.json(errorBody("validation_failed", "The request is not valid.", c.get("requestId"), requestIssues(result.target, result.error)), 400);
    },
  });
}

/** The issues of a failed validation of one part of the request (`target`: query, header, …), each naming its field. */
function requestIssues(target: string, error: ZodError): FieldIssue[] {
  const prefix = TARGET_PREFIX[target] ?? target;
  return error.issues.map((i) => {
    const path = formatPath(i.path);
    return { path: prefix ? (path === "(body)" ? prefix : `${prefix}.${path}`) : path, message: i.message };
  });
}

/**
 * One part of a request read by its route's schema outside the router (the direct lead entry),
 * or the same 400 the router's validation gives.
 */
export function validRequestPart<T>(target: "query" | "header", schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError("validation_failed", "The request is not valid.", requestIssues(target, parsed.error));
  return parsed.data;
}

/** A JSON response (or request body) documented with a zod schema. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/**
 * A JSON request body that is documented but read by the handler itself (size limit before
 * parsing, raw bytes for signatures, field paths from our own normalizer), so no generic
 * validator parses it first: a `$ref` to a registered component instead of a zod schema.
 */
export function documentedBody(component: string, description: string) {
  return { description, required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${component}` } } } };
}

/** A JSON request body documented as a free-form object (read and checked by the handler). */
export function freeformBody(description: string) {
  return { description, required: true, content: { "application/json": { schema: { type: "object" as const } } } };
}

/** The documented error answers, by status. */
export const errors = {
  400: json(ErrorSchema, "Invalid input: every field path and reason is listed in error.issues"),
  401: json(ErrorSchema, "Missing, unknown or revoked key or token"),
  403: json(ErrorSchema, "Not allowed"),
  404: json(ErrorSchema, "Not found"),
  409: json(ErrorSchema, "Conflict with the current state"),
  413: json(ErrorSchema, "Body too large"),
  415: json(ErrorSchema, "Content-Type is not application/json"),
  422: json(ErrorSchema, "Well-formed but conflicting: e.g. an Idempotency-Key reused with a different body"),
  503: json(ErrorSchema, "Temporarily unavailable: retry later"),
} as const;

export const SOURCE_KEY = [{ sourceKey: [] }];
export const ADMIN_TOKEN = [{ adminToken: [] }];

/** `{id}` path parameter. */
export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "id", in: "path" } }),
});
