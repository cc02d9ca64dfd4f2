/**
 * The one description every kind of posting spec (OpenAPI, sample request, field table) is read
 * into; the generator turns it into a buyer config. Pure data: no I/O anywhere in spec-import.
 */
import type { SpecField } from "../spec-schema";

export type Scalar = string | number | boolean;
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH";

/** One field of the buyer's payload as its documentation describes it. */
export interface ImportedField {
  /** The exact wire name; an XML attribute is `@_name`, an element's text `#text`. */
  name: string;
  type: SpecField["type"];
  required: boolean;
  /** Label or description from the docs (Salesforce custom fields are known by their label). */
  description?: string;
  enum?: Scalar[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  /** A declared format: `date`, `date-time`, `email`, `MM/DD/YYYY`, `phone`, `state name` … */
  format?: string;
  example?: Scalar;
  /** The documented default value (OpenAPI `default`). */
  default?: Scalar;
  /** Object children, in document order. */
  properties?: ImportedField[];
  /** Array element shape. */
  items?: ImportedField;
  /**
   * A name/value pair list (HubSpot `fields: [{"name": "email", "value": "…"}]`): each pair is a
   * field of its own, named by its `nameKey` value and carried in its `valueKey`.
   */
  pairs?: { nameKey: string; valueKey: string; fields: ImportedField[] };
  /** On a pair's field: the pair's other keys and their constant values (`"objectTypeId": "0-1"`). */
  pairExtras?: Record<string, Scalar>;
  /** The docs or the sample carry a credential here: never copied, sent through auth instead. */
  secret?: boolean;
}

/** What the spec says about authentication (never a credential's value). */
export type AuthHint =
  | { kind: "api_key"; in: "header" | "query"; name: string }
  | { kind: "basic" }
  | { kind: "bearer" }
  | { kind: "oauth2_client_credentials"; tokenUrl: string; scope?: string }
  | { kind: "hmac"; header: string };

/** A SOAP header value: text, a credential to reference by secret name, or nested elements. */
export type SoapHeaderValue = string | { secretHint: string } | { [name: string]: SoapHeaderValue };

/** The wire format the buyer wants. */
export type ImportedFormat =
  | { type: "json" }
  | { type: "form"; nesting: "dot" | "bracket" }
  | { type: "query"; nesting: "dot" | "bracket" }
  | { type: "xml"; root: string; rootAttributes?: Record<string, string>; contentType?: "application/xml" | "text/xml" }
  | {
      type: "soap11" | "soap12";
      operation: string;
      namespace: string;
      action?: string;
      header?: Record<string, SoapHeaderValue>;
    };

/** One documented answer of the buyer's endpoint. */
export interface ResponseExample {
  /** 200, or a class / range such as "2xx" or "4XX" / "default" as OpenAPI writes them. */
  status: number | string;
  /** How the body is written. */
  kind: "json" | "xml" | "form" | "text";
  /** An example body, when the docs give one. */
  body?: string;
  /** The documented body fields, when only a schema is given. */
  fields?: ImportedField[];
  description?: string;
}

/** A posting spec read into one shape. */
export interface ImportedSpec {
  /** Where it came from (for the buyer's `spec.description`). */
  source: "openapi" | "sample" | "table";
  title?: string;
  description?: string;
  docsUrl?: string;
  endpoint: { url?: string; method: HttpMethod };
  /** Constant request headers (credentials never land here). */
  headers: Record<string, string>;
  format: ImportedFormat;
  fields: ImportedField[];
  auth: AuthHint[];
  /** Every credential value seen in the spec: the generator proves none reaches the config. */
  secretValues: string[];
  responses: ResponseExample[];
  /** Verticals the spec names (a directive or `x-leadwire-verticals`). */
  verticals?: string[];
  /** Remarks for the person reading the report. */
  notes: string[];
}

/** A spec that cannot be read, with what is wrong and where. */
export class SpecImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpecImportError";
  }
}
