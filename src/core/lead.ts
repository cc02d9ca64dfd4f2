/**
 * The canonical lead: what intake produces after validation and normalization, what D1
 * stores, and what every buyer mapping reads as `lead.<path>`.
 */
export interface NormalizedLead {
  /** Our lead id (ULID-like, time-sortable). */
  id: string;
  source_id: string;
  external_id?: string;
  vertical: string;
  first_name: string;
  last_name: string;
  /** Trimmed, lower-cased. */
  email: string;
  /** E.164, e.g. "+12025550123". */
  phone: string;
  /** 10-digit national number, e.g. "2025550123". */
  phone_national: string;
  phone_secondary?: string;
  phone_secondary_national?: string;
  address: {
    street: string;
    city: string;
    /** 2-letter USPS code, upper case. */
    state: string;
    /** 5 digits. */
    zip: string;
    /** 4 digits when the source sent ZIP+4. */
    zip4?: string;
  };
  /** ISO date YYYY-MM-DD. */
  dob?: string;
  homeowner?: boolean;
  ip_address?: string;
  user_agent?: string;
  consent: {
    trustedform_cert_url?: string;
    jornaya_leadid?: string;
    tcpa_text?: string;
    /** ISO 8601 instant. */
    consented_at?: string;
  };
  /** Vertical-specific fields, normalized (money → number, yes/no → boolean, dates → ISO). */
  fields: Record<string, string | number | boolean | null>;
  /** A test lead: buyers receive it marked as a test and it is never billed. */
  test: boolean;
  /** ISO 8601 instant the lead was accepted. */
  received_at: string;
}
