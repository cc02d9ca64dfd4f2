/**
 * Stands in for `@babel/runtime-corejs3/core-js/instance/trim` in the Worker bundle (wrangler.toml
 * `[alias]`). mimetext's browser build calls it as `trim(s).call(s)`; the original pulls in
 * core-js's String.prototype.trim polyfill and its machinery (~40 KiB) for a method every
 * Workers runtime has. Like core-js for a string, it hands back the value's own `trim`.
 */
export default function trim(it: { trim: unknown }): unknown {
  return it.trim;
}
