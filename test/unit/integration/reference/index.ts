/* Frozen reference render: the mapping and serializers as they were before the compiled fast paths. */
import type { NormalizedLead } from "../../../../src/intake/lead";
import type { BuyerConfig } from "../../../../src/integration/config";
import type { ComputeEnv } from "../../../../src/integration/computed";
import { compileFieldMapping } from "./compile";
import type { MapResult } from "./compile";
import { compileSerializer } from "./serialize";

/** Maps and serializes one lead exactly as the code did before the fast paths (field-list buyers). */
export function referenceRender(buyer: BuyerConfig, lead: NormalizedLead, env: ComputeEnv, secret: (name: string) => string | undefined): MapResult & { body: string } {
  const m = buyer.mapping;
  if (!("fields" in m)) throw new Error(`${buyer.id} is not a field-list buyer`);
  const r = compileFieldMapping(m)(lead, env);
  return { ...r, body: r.issues.length ? "" : compileSerializer(buyer.format).serialize(r.payload, secret) };
}

export { compileSerializer as referenceSerializer } from "./serialize";
