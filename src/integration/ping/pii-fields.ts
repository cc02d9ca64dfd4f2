/**
 * Lead fields that identify a person. A ping carries none of them unless the buyer's config
 * names the field in `ping.allowPii` (buyers:check and the registry refuse it otherwise).
 */
export const PII_FIELDS = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "phone_national",
  "phone_secondary",
  "phone_secondary_national",
  "address.street",
  "dob",
] as const;
export type PiiField = (typeof PII_FIELDS)[number];
