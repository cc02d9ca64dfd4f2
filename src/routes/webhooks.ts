import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
// PLACEHOLDER — owned by the webhooks engineer, who replaces it.
export const webhooksRouter = new OpenAPIHono<AppEnv>();
