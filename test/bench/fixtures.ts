/**
 * The bench's buyers and leads. Every buyer is acme-auto's real config (23 mapped fields, an
 * API key from a secret, nested JSON, response rules, caps and an in-flight limit) pointed at
 * the loopback mock buyer, without its schedule so that no figure depends on the hour. The
 * lead's state picks the scenario through the buyers' state filters:
 * - TX: one buyer that accepts at once (intake, sync, the consumer's counts);
 * - CA: one buyer that answers after 200 ms (the drain);
 * - FL: a buyer that rejects, then one that accepts (the cost of a cascade step).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../src/cli/lib/wrangler.mjs";

type Json = Record<string, unknown>;

const acme = JSON.parse(readFileSync(join(ROOT, "buyers", "acme-auto.json"), "utf8")) as Json;

function benchBuyer(id: string, behavior: string, states: string[], price: number, query = ""): Json {
  const { schedule: _schedule, environments: _envs, $schema: _schema, ...rest } = acme;
  return {
    ...rest,
    id,
    name: `Bench ${id}`,
    price,
    filters: { states },
    // Caps high enough never to refuse, so the check and the reservation still run on every lead.
    caps: { day: 1_000_000, hour: 1_000_000, timezone: "America/Chicago", maxInFlight: 200 },
    endpoint: { ...(acme.endpoint as Json), url: `\${MOCK_BUYER_ORIGIN}/b/${id}/${behavior}?respond=json&price=${price}${query}`, sandboxUrl: undefined },
  };
}

/** The bench's buyers, against the mock buyer at the Worker's MOCK_BUYER_ORIGIN. */
export function benchBuyers(): Json[] {
  return [
    benchBuyer("bench-fast", "accept", ["TX"], 28),
    benchBuyer("bench-slow", "slow", ["CA"], 28, "&ms=200"),
    benchBuyer("bench-picky", "reject", ["FL"], 40),
    benchBuyer("bench-backup", "accept", ["FL"], 20),
  ];
}

const CITY: Record<string, { city: string; zip: string }> = {
  TX: { city: "Dallas", zip: "75201-1234" },
  CA: { city: "Fresno", zip: "93701" },
  FL: { city: "Tampa", zip: "33602" },
};

let seq = 0;

/** A valid auto-insurance lead as a source posts it, unique by `external_id`, in `state`. */
export function benchLead(state: "TX" | "CA" | "FL"): Json {
  seq++;
  const place = CITY[state] ?? { city: "Dallas", zip: "75201" };
  return {
    external_id: `bench-${process.pid}-${seq}`,
    vertical: "auto_insurance",
    first_name: "Liam",
    last_name: "O'Brien",
    email: ` LIAM.OBRIEN+${seq}@Example.COM `,
    phone: "(214) 715-3718",
    address: { street: "6220 Sunset Blvd", city: place.city, state, zip: place.zip },
    dob: "07/20/1989",
    homeowner: "yes",
    ip_address: "185.117.52.231",
    consent: {
      trustedform_cert_url: "https://cert.trustedform.com/a0000c6d07ef7b77e90d3593ad699fc1f7cd5bb2",
      jornaya_leadid: "1BA16215-8228-3D15-A9EC-0806705FCA16",
      tcpa_text: "By clicking Submit I agree to be contacted.",
      consented_at: "2026-11-25T05:33:00Z",
    },
    fields: { vehicle_year: "2019", vehicle_make: "Toyota", incidents: 0, currently_insured: "Y" },
  };
}
