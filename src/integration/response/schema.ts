import { z } from "zod";
import { isValidRegex } from "../extract";
import { BodyKindSchema, SelectorSchema } from "../selector-schema";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const RegexFlags = z
  .string()
  .regex(/^[imsu]*$/, "regex flags: any of i, m, s, u")
  .optional();

/** 201, "2xx", "400-499". */
export const StatusSpecSchema = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^([1-5]xx|[1-5]\d\d(-[1-5]\d\d)?)$/, 'a status code, a class such as "2xx", or a range such as "400-499"'),
]);
export type StatusSpec = z.infer<typeof StatusSpecSchema>;

/**
 * What a selected value must satisfy. With no test given, the value must exist (non-empty).
 * Comparisons are on the value as text and case-insensitive unless `caseSensitive`.
 */
const valueTests = {
  equals: Scalar.optional(),
  in: z.array(Scalar).min(1).optional(),
  /** A regular expression the value must match. */
  matches: z.string().optional(),
  flags: RegexFlags,
  /** true: some non-empty value is present; false: none is. */
  exists: z.boolean().optional(),
  caseSensitive: z.boolean().default(false),
};

const regexOk = (m: { matches?: string | undefined; flags?: string | undefined }) => m.matches === undefined || isValidRegex(m.matches, m.flags);
const badRegex = { message: "invalid regular expression in `matches`" };

export const JsonPathMatcherSchema = z
  .object({ jsonPath: z.string().min(1), ...valueTests })
  .strict()
  .refine(regexOk, badRegex);
export const XPathMatcherSchema = z
  .object({ xpath: z.string().min(1), namespaces: z.record(z.string(), z.string()).optional(), ...valueTests })
  .strict()
  .refine(regexOk, badRegex);
export const FormKeyMatcherSchema = z
  .object({ formKey: z.string().min(1), ...valueTests })
  .strict()
  .refine(regexOk, badRegex);
/** A regular expression over the raw body. */
export const RegexMatcherSchema = z
  .object({ regex: z.string().min(1), flags: RegexFlags })
  .strict()
  .refine((m) => isValidRegex(m.regex, m.flags), { message: "invalid regular expression" });
/** A case-insensitive search term anywhere in the raw body. */
export const SearchMatcherSchema = z.object({ search: z.string().min(1) }).strict();

export const MatcherSchema = z.union([JsonPathMatcherSchema, XPathMatcherSchema, FormKeyMatcherSchema, RegexMatcherSchema, SearchMatcherSchema]);
export type Matcher = z.infer<typeof MatcherSchema>;

/** accepted · rejected · error · pending (the buyer only acknowledged; the decision comes by callback). */
export const RuleOutcomeSchema = z.enum(["accepted", "rejected", "error", "pending"]);
export type RuleOutcome = z.infer<typeof RuleOutcomeSchema>;

/**
 * One outcome rule: the HTTP status (optional) and body matchers (all must hold) that mean
 * `outcome`. Rules are tried in order; the first that holds decides.
 */
export const OutcomeRuleSchema = z
  .object({
    status: z.union([StatusSpecSchema, z.array(StatusSpecSchema).min(1)]).optional(),
    match: z.union([MatcherSchema, z.array(MatcherSchema).min(1)]).optional(),
    outcome: RuleOutcomeSchema,
    /** Reason reported when no reason could be extracted from the body (e.g. "duplicate" for a 409). */
    reason: z.string().optional(),
  })
  .strict()
  .refine((r) => r.status !== undefined || r.match !== undefined, { message: "a rule needs `status`, `match` or both" });
export type OutcomeRule = z.infer<typeof OutcomeRuleSchema>;
export type OutcomeRuleInput = z.input<typeof OutcomeRuleSchema>;

/** A selector, or a bare string read as a JSON path; a list is tried in order (reasons: all joined). */
const ExtractOne = z.union([z.string().min(1), SelectorSchema]);
export const ExtractSchema = z.union([ExtractOne, z.array(ExtractOne).min(1)]);
export type Extract = z.infer<typeof ExtractSchema>;

/**
 * The "status field" shorthand: a field whose value says accepted / rejected / error / pending.
 * Expanded by `defaults()` into rules tried after the explicit ones.
 */
export const StatusFieldSchema = z
  .object({
    /** Where the status value is; default `status`. A bare string is a JSON path. */
    path: z.union([z.string().min(1), SelectorSchema]).optional(),
    accepted: z.array(z.string()).optional(),
    rejected: z.array(z.string()).optional(),
    error: z.array(z.string()).optional(),
    pending: z.array(z.string()).optional(),
  })
  .strict();
export type StatusField = z.infer<typeof StatusFieldSchema>;

const PathList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * Structured errors a vendor puts in its answer, each read as `CODE: message (fields: a, b)`:
 * Salesforce `[{"errorCode", "message", "fields"}]`, HubSpot `{"category", "message", "errors":
 * [{"code", "message", "context": {"propertyName": […]}}]}`. `items` is a JSON path to the error
 * objects (`$` for the body itself, `[*]`, `errors[*]`); the other paths are read inside each
 * item, a list tried in order. Works on JSON and on XML as parsed for JSON paths.
 */
export const ErrorListSchema = z
  .object({
    items: z.string().min(1),
    code: PathList.optional(),
    message: PathList.optional(),
    /** The fields the error is about: a string or a list of strings. */
    fields: z.string().min(1).optional(),
    /** Labelled details, e.g. `{"policy": "policyName"}` → `policy: SECONDLY`. */
    details: z.record(z.string().min(1), z.string().min(1)).optional(),
  })
  .strict()
  .refine((e) => e.code !== undefined || e.message !== undefined, { message: "an error list needs `code`, `message` or both" });
export type ErrorList = z.infer<typeof ErrorListSchema>;

export const ResponseRulesSchema = z
  .object({
    /** Force how the body is read, whatever the Content-Type header says. */
    contentType: BodyKindSchema.optional(),
    /**
     * Tried in order. With no rule matching (and no status-field value recognised), the answer is
     * "unrecognized" — also for a 2xx: an answer we cannot read is never taken as a sale.
     */
    rules: z.array(OutcomeRuleSchema).default([]),
    /** `"status"` or `{ "path": "result.code", "accepted": ["OK"] }`: see `defaults()`. */
    statusField: z.union([z.string().min(1), StatusFieldSchema]).optional(),
    /** A SOAP 1.1 / 1.2 Fault is an error with its fault string as reason, before any rule. */
    soapFaults: z.boolean().default(true),
    buyerLeadId: ExtractSchema.optional(),
    /**
     * The vendor's structured errors, read first into the reason (code, message, fields), so
     * operators see what the buyer said and not only our class label.
     */
    errors: z.array(ErrorListSchema).min(1).optional(),
    /** Every value found by every selector, joined with "; " (after `errors`, without repeating them). */
    reason: ExtractSchema.optional(),
    price: ExtractSchema.optional(),
    /** Price reported for an accepted lead whose answer carries none. */
    fallbackPrice: z.number().nonnegative().optional(),
    redirectUrl: ExtractSchema.optional(),
  })
  .strict();
export type ResponseRules = z.infer<typeof ResponseRulesSchema>;
export type ResponseRulesInput = z.input<typeof ResponseRulesSchema>;
