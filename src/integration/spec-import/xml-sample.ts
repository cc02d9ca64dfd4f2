/**
 * XML and SOAP sample bodies → root element, namespaces, SOAP operation and header, and the
 * element tree the buyer wants (attributes as `@_name`, an element's text beside attributes as
 * `#text`, repeated elements as arrays), as Leadwire's XML writer produces them.
 */
import { XMLParser } from "fast-xml-parser";
import { isCredentialName } from "./credentials";
import { fieldFromValue, type Optionality } from "./shape";
import type { ImportedField, ImportedFormat, SoapHeaderValue } from "./types";
import { SpecImportError } from "./types";

const SOAP_NS: Record<string, "soap11" | "soap12"> = {
  "http://schemas.xmlsoap.org/soap/envelope/": "soap11",
  "http://www.w3.org/2003/05/soap-envelope": "soap12",
};

type XmlNode = Record<string, unknown>;

function parse(body: string): XmlNode {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    textNodeName: "#text",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  try {
    return parser.parse(body, true) as XmlNode;
  } catch (e) {
    throw new SpecImportError(`the XML sample does not parse: ${(e as Error).message}`);
  }
}

const local = (name: string): string => name.slice(name.indexOf(":") + 1);
const isNsAttr = (k: string): boolean => k === "@_xmlns" || k.startsWith("@_xmlns:");
const isPlain = (v: unknown): v is XmlNode => v !== null && typeof v === "object" && !Array.isArray(v);

/** Drops namespace prefixes and xmlns attributes, keeping the element structure. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (!isPlain(v)) return v;
  const out: XmlNode = {};
  for (const [k, x] of Object.entries(v)) {
    if (isNsAttr(k)) continue;
    const name = k.startsWith("@_") ? `@_${local(k.slice(2))}` : k === "#text" ? k : local(k);
    out[name] = strip(x);
  }
  // An element holding only text (its attributes were namespaces): the text itself.
  const keys = Object.keys(out);
  if (keys.length === 1 && keys[0] === "#text") return out["#text"];
  if (keys.length === 0) return "";
  return out;
}

/** The namespace a prefixed (or unprefixed) element name is bound to, looking outward. */
function namespaceOf(name: string, scopes: XmlNode[]): string | undefined {
  const i = name.indexOf(":");
  const attr = i > 0 ? `@_xmlns:${name.slice(0, i)}` : "@_xmlns";
  for (const s of scopes) if (typeof s[attr] === "string") return s[attr] as string;
  return undefined;
}

function firstElement(node: XmlNode): [string, unknown] | undefined {
  return Object.entries(node).find(([k]) => !k.startsWith("@_") && k !== "#text");
}

/** SOAP header elements: credentials become secret hints, the rest stays as text. */
function soapHeader(node: unknown, name: string, secrets: string[]): SoapHeaderValue {
  const v = strip(node);
  const walk = (x: unknown, n: string): SoapHeaderValue => {
    if (isPlain(x)) {
      const out: Record<string, SoapHeaderValue> = {};
      for (const [k, c] of Object.entries(x)) out[k] = walk(c, k);
      return out;
    }
    const text = Array.isArray(x) ? String(x[0] ?? "") : String(x ?? "");
    if (isCredentialName(n) || /^(user(name)?|login|user_?id)$/i.test(n.replace(/^@_/, ""))) {
      if (text !== "") secrets.push(text);
      return { secretHint: n.replace(/^@_/, "") };
    }
    return text;
  };
  return walk(v, name);
}

export interface XmlSampleReading {
  format: ImportedFormat;
  fields: ImportedField[];
}

/**
 * Reads an XML or SOAP sample. `soapAction` is the sample's SOAPAction header (SOAP 1.1) or the
 * `action` of its Content-Type (SOAP 1.2), when it has one.
 */
export function readXmlSample(body: string, o: Optionality, secrets: string[], soapAction?: string): XmlSampleReading {
  const doc = parse(body);
  const top = firstElement(doc);
  if (!top) throw new SpecImportError("the XML sample has no root element");
  const [rootName, rootValue] = top;
  const root = isPlain(rootValue) ? rootValue : {};
  const envNs = namespaceOf(rootName, [root]);
  const soap = local(rootName) === "Envelope" && envNs !== undefined ? SOAP_NS[envNs] : undefined;
  if (soap) {
    const bodyEntry = Object.entries(root).find(([k]) => local(k) === "Body");
    const bodyNode = bodyEntry && isPlain(bodyEntry[1]) ? bodyEntry[1] : undefined;
    const op = bodyNode ? firstElement(bodyNode) : undefined;
    if (!bodyNode || !op) throw new SpecImportError("the SOAP sample has no operation element inside soap:Body");
    const [opName, opValue] = op;
    const opNode = isPlain(opValue) ? opValue : {};
    const namespace = namespaceOf(opName, [opNode, bodyNode, root]);
    if (!namespace) throw new SpecImportError(`the SOAP operation <${opName}> has no namespace (xmlns)`);
    const headerEntry = Object.entries(root).find(([k]) => local(k) === "Header");
    let header: Record<string, SoapHeaderValue> | undefined;
    if (headerEntry && isPlain(headerEntry[1])) {
      header = {};
      for (const [k, v] of Object.entries(headerEntry[1])) if (!k.startsWith("@_")) header[local(k)] = soapHeader(v, local(k), secrets);
    }
    const content = strip(opNode);
    const fields = isPlain(content) ? Object.entries(content).map(([k, v]) => fieldFromValue(k, v, k, o, secrets)) : [];
    const format: ImportedFormat = { type: soap, operation: local(opName), namespace };
    if (soapAction) format.action = soapAction.replace(/^"|"$/g, "");
    if (header && Object.keys(header).length) format.header = header;
    return { format, fields };
  }
  const rootAttributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(root)) if (isNsAttr(k) && typeof v === "string") rootAttributes[k.slice(2)] = v;
  const content = strip(root);
  const fields = isPlain(content) ? Object.entries(content).map(([k, v]) => fieldFromValue(k, v, k, o, secrets)) : [];
  const format: ImportedFormat = { type: "xml", root: rootName };
  if (Object.keys(rootAttributes).length) format.rootAttributes = rootAttributes;
  return { format, fields };
}

/** The value at a `/a/b` element path of an XML body, by local names (for response examples). */
export function xmlObject(body: string): unknown {
  return strip(parse(body));
}
