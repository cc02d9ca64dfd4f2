import { ownValue } from "../core/values";

/** USPS codes for the states, DC and the inhabited territories, by full name. */
const STATES: Record<string, string> = {
  alabama: "AL",
  alaska: "AK",
  arizona: "AZ",
  arkansas: "AR",
  california: "CA",
  colorado: "CO",
  connecticut: "CT",
  delaware: "DE",
  "district of columbia": "DC",
  florida: "FL",
  georgia: "GA",
  hawaii: "HI",
  idaho: "ID",
  illinois: "IL",
  indiana: "IN",
  iowa: "IA",
  kansas: "KS",
  kentucky: "KY",
  louisiana: "LA",
  maine: "ME",
  maryland: "MD",
  massachusetts: "MA",
  michigan: "MI",
  minnesota: "MN",
  mississippi: "MS",
  missouri: "MO",
  montana: "MT",
  nebraska: "NE",
  nevada: "NV",
  "new hampshire": "NH",
  "new jersey": "NJ",
  "new mexico": "NM",
  "new york": "NY",
  "north carolina": "NC",
  "north dakota": "ND",
  ohio: "OH",
  oklahoma: "OK",
  oregon: "OR",
  pennsylvania: "PA",
  "rhode island": "RI",
  "south carolina": "SC",
  "south dakota": "SD",
  tennessee: "TN",
  texas: "TX",
  utah: "UT",
  vermont: "VT",
  virginia: "VA",
  washington: "WA",
  "west virginia": "WV",
  wisconsin: "WI",
  wyoming: "WY",
  "puerto rico": "PR",
  guam: "GU",
  "us virgin islands": "VI",
  "virgin islands": "VI",
  "american samoa": "AS",
  "northern mariana islands": "MP",
};

const CODES = new Set(Object.values(STATES));

/** "tx", " TX ", "Texas", "NEW YORK", "new-york" → "TX" / "NY"; undefined when unknown. */
export function normalizeState(input: string): string | undefined {
  const s = input
    .trim()
    .replace(/[\s_-]+/g, " ")
    .replace(/\./g, "");
  if (s.length === 2) {
    const code = s.toUpperCase();
    return CODES.has(code) ? code : undefined;
  }
  // Own entries only: "constructor" is not a state.
  return ownValue(STATES, s.toLowerCase());
}
