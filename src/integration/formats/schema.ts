import { z } from "zod";

const Charset = z.string().default("utf-8");

export const JsonFormatSchema = z.object({ type: z.literal("json"), charset: Charset }).strict();

export const XmlFormatSchema = z
  .object({
    type: z.literal("xml"),
    /** Root element wrapping the mapped payload. */
    root: z.string().min(1),
    /** Attributes on the root element, e.g. a default namespace `{"xmlns": "urn:x"}`. */
    rootAttributes: z.record(z.string(), z.string()).optional(),
    declaration: z.boolean().default(true),
    /** Payload keys starting with this become attributes (`"@_id": "1"` → `id="1"`). */
    attributePrefix: z.string().default("@_"),
    pretty: z.boolean().default(false),
    charset: Charset,
    /** application/xml by default; some buyers insist on text/xml. */
    contentType: z.enum(["application/xml", "text/xml"]).default("application/xml"),
  })
  .strict();

const Nesting = z.enum(["dot", "bracket"]).default("dot");

export const FormFormatSchema = z.object({ type: z.literal("form"), nesting: Nesting, charset: Charset }).strict();

/** GET with the payload as query parameters, appended to a query already in the URL. */
export const QueryFormatSchema = z.object({ type: z.literal("query"), nesting: Nesting }).strict();

const soapFields = {
  /** Body operation element, e.g. `SubmitLead`. */
  operation: z.string().min(1),
  /** Target namespace of the operation (default namespace of the body element). */
  namespace: z.string().min(1),
  /** SOAP 1.1 SOAPAction header / SOAP 1.2 `action` Content-Type parameter. */
  action: z.string().optional(),
  /**
   * Header elements: `{"AuthHeader": {"User": "x", "Key": {"secret": "K"}}}`; `{"secret": NAME}`
   * values are resolved like endpoint headers (not imported from config.ts, which imports us).
   */
  header: z.record(z.string(), z.unknown()).optional(),
  /** Envelope prefix. */
  prefix: z.string().default("soap"),
  pretty: z.boolean().default(false),
  charset: Charset,
};
export const Soap11FormatSchema = z.object({ type: z.literal("soap11"), ...soapFields }).strict();
export const Soap12FormatSchema = z.object({ type: z.literal("soap12"), ...soapFields }).strict();

export const CsvFormatSchema = z
  .object({
    type: z.literal("csv"),
    header: z.boolean().default(true),
    delimiter: z.string().length(1).default(","),
    /** Column order; default: payload keys (flattened with dots) in mapping order. */
    columns: z.array(z.string()).optional(),
    charset: Charset,
  })
  .strict();

export const FormatConfigSchema = z.discriminatedUnion("type", [
  JsonFormatSchema,
  XmlFormatSchema,
  FormFormatSchema,
  QueryFormatSchema,
  Soap11FormatSchema,
  Soap12FormatSchema,
  CsvFormatSchema,
]);
export type FormatConfig = z.infer<typeof FormatConfigSchema>;
export type XmlFormat = z.infer<typeof XmlFormatSchema>;
export type SoapFormat = z.infer<typeof Soap11FormatSchema> | z.infer<typeof Soap12FormatSchema>;
export type CsvFormat = z.infer<typeof CsvFormatSchema>;
