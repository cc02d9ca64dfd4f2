/** How a partner's HTTP body is read. */
export const BODY_KINDS = ["json", "xml", "form", "text"] as const;
export type BodyKind = (typeof BODY_KINDS)[number];
