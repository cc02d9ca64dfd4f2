/**
 * Stands in for zod's `locales` index in the Worker bundle (wrangler.toml `[alias]`): zod's
 * namespace export `z.locales` pulls every language's error messages into the bundle
 * (~360 KiB) although Leadwire only speaks English, the default zod configures itself with.
 * Nothing reads `z.locales`; this keeps the one locale that is used.
 */
export { default as en } from "zod/v4/locales/en.js";
