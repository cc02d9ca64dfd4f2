/**
 * Stands in for `@babel/runtime-corejs3/helpers/esm/defineProperty` in the Worker bundle
 * (wrangler.toml `[alias]`): Babel's class-field helper, without the core-js `Object.defineProperty`
 * and `Symbol` polyfills the corejs3 flavour imports (mimetext's browser build uses it).
 * Same result as Babel's: an own, enumerable, writable, configurable data property.
 */
export default function defineProperty<T extends object>(obj: T, key: PropertyKey, value: unknown): T {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  return obj;
}
