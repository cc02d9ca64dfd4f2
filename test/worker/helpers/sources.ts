import { env } from "cloudflare:workers";
import { createSource } from "../../../src/db/sources";

export const ADMIN = "test-admin-token";

/** A fresh source with its API key. */
export async function newSource(name = "Test Source", extra: { webhookUrl?: string; excludedBuyers?: string[] } = {}) {
  return createSource(env, { name, ...extra }, Date.now());
}

export function sampleLead(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_id: `ext-${crypto.randomUUID()}`,
    vertical: "auto_insurance",
    first_name: "Liam",
    last_name: "O'Brien",
    email: " LIAM.OBRIEN@Example.COM ",
    phone: "(214) 715-3718",
    address: { street: "6220 Sunset Blvd", city: "Dallas", state: "texas", zip: "75201-1234" },
    dob: "07/20/1989",
    homeowner: "yes",
    ip_address: "185.117.52.231",
    consent: {
      trustedform_cert_url: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2",
      jornaya_leadid: "1BA16215-8228-3D15-A9EC-0806705FCA16",
      tcpa_text: "By clicking Submit I agree to be contacted.",
      // Before any clock the tests use (MIDWEEK_NOON, the real date): intake refuses a consent in the future.
      consented_at: "2026-01-05T15:04:00Z",
    },
    fields: { vehicle_year: "2019", vehicle_make: "Toyota", incidents: 0, currently_insured: "Y" },
    ...over,
  };
}

/** A recording stand-in for a queue producer, so a test sees exactly what was enqueued. */
export function recordingQueue(opts: { fail?: boolean } = {}) {
  const sent: { body: unknown; delaySeconds?: number }[] = [];
  const queue = {
    sent,
    async send(body: unknown, o?: { delaySeconds?: number }) {
      if (opts.fail) throw new Error("queue unavailable");
      sent.push({ body, ...(o?.delaySeconds !== undefined ? { delaySeconds: o.delaySeconds } : {}) });
    },
    async sendBatch(msgs: Iterable<{ body: unknown; delaySeconds?: number }>) {
      for (const m of msgs) await queue.send(m.body, m);
    },
  };
  return queue;
}
