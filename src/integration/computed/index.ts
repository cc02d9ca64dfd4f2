import { age } from "./age";
import { consent_text } from "./consent-text";
import { first_name } from "./first-name";
import { full_name } from "./full-name";
import { last_name } from "./last-name";
import { ltv } from "./ltv";
import { street_name } from "./street-name";
import { street_number } from "./street-number";
import type { ComputedFunction } from "./types";
import { zip_plus4 } from "./zip-plus4";

export type { ComputedFunction, ComputeEnv, ComputeOptions } from "./types";

/** The registry: adding a function is one file plus one line here. */
export const computedFunctions: Readonly<Record<string, ComputedFunction>> = {
  age,
  ltv,
  street_number,
  street_name,
  full_name,
  first_name,
  last_name,
  consent_text,
  zip_plus4,
};

/** A computed function by name; undefined when there is none. */
export function getComputed(name: string): ComputedFunction | undefined {
  return Object.hasOwn(computedFunctions, name) ? computedFunctions[name] : undefined;
}
