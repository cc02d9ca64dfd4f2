/**
 * Stands in for @xmldom/xmldom's `./entities` in the Worker bundle (wrangler.toml `[alias]`).
 * The original also holds the ~2,200 named character references of HTML (~33 KiB), which
 * xmldom uses only for `text/html` documents; Leadwire parses buyers' answers as `text/xml`
 * alone (src/integration/extract-xpath.ts), where only the five predefined XML entities exist.
 */
const XML_ENTITIES: Readonly<Record<string, string>> = Object.freeze({ amp: "&", apos: "'", gt: ">", lt: "<", quot: '"' });

// An HTML document is never parsed in the Worker; it would get the XML entities only.
export { XML_ENTITIES, XML_ENTITIES as HTML_ENTITIES, XML_ENTITIES as entityMap };
