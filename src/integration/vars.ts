import { ConfigError } from "./errors";

const VAR_RE = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Fills `${NAME}` placeholders in a buyer's URLs (endpoint, token, login, probe) from the
 * Worker's vars, so one buyer file serves every environment. A missing variable is a config
 * fault named by field, never a request to a half-built URL.
 */
export function resolveVars(text: string, vars: (name: string) => string | undefined, field: string): string {
  return text.replace(VAR_RE, (_m, name: string) => {
    const v = vars(name);
    if (v === undefined || v === "") throw new ConfigError(`variable \${${name}} is not set`, field);
    return v;
  });
}
