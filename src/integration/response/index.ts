/**
 * Response rules: the parser (parse.ts, what the BuyerGate runs on every answer) and the
 * schema that validates the rules in a buyer config (schema.ts, needed only where configs are
 * validated: the build, buyers:check, tests, BUYER_CONFIGS). The gate imports parse.ts alone,
 * so a Worker isolate never builds the schema.
 */
export * from "./parse";
export type { ErrorList, OutcomeRule, OutcomeRuleInput, ResponseRules, ResponseRulesInput } from "./schema";
export { ErrorListSchema, ResponseRulesSchema } from "./schema";
