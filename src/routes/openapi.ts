import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { errorBody, formatPath } from "../core/errors";
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
      const prefix = TARGET_PREFIX[result.target] ?? result.target;
      const issues = result.error.issues.map((i) => {
        const path = formatPath(i.path);
        return { path: prefix ? (path === "(body)" ? prefix : `${prefix}.${path}`) : path, message: i.message };
      });
      return c.json(errorBody("validation_failed", "The request is not valid.", c.get("requestId"), issues), 400);
    },
  });
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
