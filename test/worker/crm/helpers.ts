import { env } from "cloudflare:workers";
import { bundledBuyers } from "../../../src/buyers.generated";
import { expandPreset } from "../../../src/integration/adapters";
import { type BuyerConfig, BuyerConfigSchema } from "../../../src/integration/config";
import { input as baseInput, lead as baseLead, uid } from "../buyer-gate/fixtures";

export { gate, received } from "../buyer-gate/fixtures";

/** A canonical lead with its own e-mail and phone: CRMs dedupe on both. */
export function lead(over: Parameters<typeof baseLead>[0] = {}) {
  const n = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  const digits = String(n % 10_000_000).padStart(7, "0");
  return baseLead({ email: `lead.${digits}@example.com`, phone: `+1202${digits}`, phone_national: `202${digits}`, ...over });
}

/** A DeliverInput for a fresh lead (unique e-mail and phone) unless one is given. */
export function input(buyer: Parameters<typeof baseInput>[0], over: Parameters<typeof baseInput>[1] = {}) {
  return baseInput(buyer, { lead: lead(), ...over });
}

/**
 * A CRM demo buyer from buyers/*.json as the registry loads it (preset expanded), moved to a
 * fresh tenant at the mock — its own Salesforce org / HubSpot portal / Velocify client and its
 * own BuyerGate — so tests never share records, tokens or rate limits. `edit` changes the raw
 * file before expansion (a config mistake, another auth).
 */
export function demoBuyer(id: string, edit: (raw: Record<string, unknown>) => void = () => undefined): BuyerConfig {
  const raw = bundledBuyers.find((b) => (b as { id?: unknown }).id === id);
  if (!raw) throw new Error(`no demo buyer ${id} in buyers/`);
  const tenant = uid(id.replace(/^demo-/, ""));
  const moved = JSON.parse(JSON.stringify(raw).replaceAll(`/${id}/`, `/${tenant}/`)) as Record<string, unknown>;
  moved.id = tenant;
  edit(moved);
  return BuyerConfigSchema.parse(expandPreset(moved));
}

/** The tenant a moved demo buyer uses at the mock (its id). */
export const tenantOf = (b: BuyerConfig) => b.id;

/** Reads or changes a tenant's state at the mock's CRM control API. */
export async function crmControl<T = Record<string, unknown>>(vendor: "salesforce" | "hubspot" | "velocify", tenant: string, settings?: unknown): Promise<T> {
  const url = `${env.MOCK_BUYER_ORIGIN}/_control/crm/${vendor}/${encodeURIComponent(tenant)}`;
  const res =
    settings === undefined
      ? await fetch(url)
      : await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(settings) });
  if (!res.ok) throw new Error(`crm control: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
