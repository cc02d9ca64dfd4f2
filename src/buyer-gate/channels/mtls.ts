import type { BuyerConfig } from "../../integration/config";
import { ConfigError } from "../../integration/errors";
import { globalFetch, type OutboundFetch } from "../transport";

/**
 * Client certificates (issue 16). A buyer whose auth names `mtlsCertificate` is reached only
 * through that Workers `mtls_certificates` binding: its `fetch` presents the certificate
 * uploaded with `wrangler mtls-certificate upload`. Every request to the buyer — the delivery,
 * the 401 resend, the token call, the probe, a Bulk job's calls — goes through it; a buyer
 * without one uses the global fetch.
 *
 * A binding that is not there (wrangler.toml not updated, a typo) is a config fault: nothing
 * is sent without the certificate the buyer requires.
 */
export function outboundFetch(env: Env, buyer: Pick<BuyerConfig, "id" | "auth">): OutboundFetch {
  const name = buyer.auth.mtlsCertificate;
  if (name === undefined) return globalFetch;
  const binding: unknown = (env as unknown as Record<string, unknown>)[name];
  if (!isFetcher(binding)) {
    throw new ConfigError(
      `mTLS certificate binding ${name} is not bound to the Worker (declare it under [[mtls_certificates]] in wrangler.toml)`,
      "auth.mtlsCertificate",
    );
  }
  return (url, init) => binding.fetch(url, init);
}

function isFetcher(v: unknown): v is { fetch: (url: string, init: RequestInit) => Promise<Response> } {
  return v !== null && typeof v === "object" && typeof (v as { fetch?: unknown }).fetch === "function";
}
