/** What a computed function may read besides its arguments: only the injectable clock. */
export interface ComputeEnv {
  now(): number;
  /** Ping/post: the bid this post answers, read by mappings as `bid.<field>` (see BidFields). */
  bid?: Readonly<Record<string, unknown>> | undefined;
}

export type ComputeOptions = Readonly<Record<string, string | number | boolean | null>>;

/** A named function mapping rules and templates can call (`compute: {fn, args}` / `{{fn(...)}}`). */
export interface ComputedFunction {
  name: string;
  description: string;
  /** Type of what it returns, for validateMapping's type checks. */
  output: "string" | "number" | "integer";
  /** Fewest lead-path arguments it needs. */
  minArgs: number;
  /** Returns undefined when the inputs don't allow a value (missing, malformed). */
  fn(args: readonly unknown[], options: ComputeOptions, env: ComputeEnv): unknown;
}
