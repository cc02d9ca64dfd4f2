/**
 * The Worker build replaces three library modules with small stand-ins (wrangler.toml
 * `[alias]`, src/core/shims): mimetext's two core-js Babel helpers and xmldom's entity table.
 * These tests hold the stand-ins to what they replace, and the aliases to the imports the
 * libraries really make (a renamed import would silently bring the old bytes back).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { DOMParser } from "@xmldom/xmldom";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import defineProperty from "../../../src/core/shims/babel-define-property";
import trim from "../../../src/core/shims/babel-trim";
import * as shimEntities from "../../../src/core/shims/xmldom-entities";

const require = createRequire(import.meta.url);
const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

type Trim = (it: unknown) => (this: unknown) => unknown;
const coreJsTrim = require("@babel/runtime-corejs3/core-js/instance/trim") as Trim;
const xmldomEntities = require("@xmldom/xmldom/lib/entities") as { XML_ENTITIES: Record<string, string> };

const aliases = (parseToml(read("wrangler.toml")) as { alias?: Record<string, string> }).alias ?? {};

describe("bundle stand-ins (wrangler.toml [alias])", () => {
  it("alias exactly the specifiers mimetext's browser build and xmldom's parser import", () => {
    const mimetext = read("node_modules/mimetext/dist/mimetext.browser.es.js");
    const domParser = read("node_modules/@xmldom/xmldom/lib/dom-parser.js");
    expect(aliases["@babel/runtime-corejs3/core-js/instance/trim"]).toBe("./src/core/shims/babel-trim.ts");
    expect(aliases["@babel/runtime-corejs3/helpers/esm/defineProperty"]).toBe("./src/core/shims/babel-define-property.ts");
    expect(aliases["./entities"]).toBe("./src/core/shims/xmldom-entities.ts");
    expect(mimetext).toContain('"@babel/runtime-corejs3/core-js/instance/trim"');
    expect(mimetext).toContain('"@babel/runtime-corejs3/helpers/esm/defineProperty"');
    // No other core-js helper is imported: the build would carry the polyfills again.
    expect(mimetext.match(/@babel\/runtime-corejs3\/[\w/-]+/g)?.sort()).toEqual([
      "@babel/runtime-corejs3/core-js/instance/trim",
      "@babel/runtime-corejs3/helpers/esm/defineProperty",
    ]);
    expect(domParser).toContain("require('./entities')");
  });

  it("trim: mimetext's trim(s).call(s) gives what core-js gives, Unicode spaces included", () => {
    for (const s of ["  Ann Lee <ann@example.com>\r\n", "\u00a0\ufeffx\u2028\u3000", "", "no-space"]) {
      expect(trim(s)).toBe(String.prototype.trim);
      expect((trim(s) as (this: string) => string).call(s)).toBe(coreJsTrim(s).call(s));
    }
  });

  it("defineProperty: an own, enumerable, writable, configurable field, as Babel's helper makes it", () => {
    const o = defineProperty({}, "name", "Ann");
    expect(Object.getOwnPropertyDescriptor(o, "name")).toEqual({ value: "Ann", enumerable: true, writable: true, configurable: true });
    // A setter up the prototype chain is not called (a class field defines, it does not assign).
    let called = false;
    const proto = {
      set type(_v: string) {
        called = true;
      },
    };
    const child = defineProperty(Object.create(proto) as object, "type", "To");
    expect(called).toBe(false);
    expect((child as { type: string }).type).toBe("To");
  });

  it("xmldom: the five XML entities; text/xml (all Leadwire parses) never reads HTML's", () => {
    expect({ ...shimEntities.XML_ENTITIES }).toEqual({ ...xmldomEntities.XML_ENTITIES });
    const text = (xml: string) => new DOMParser({ onError: () => {} }).parseFromString(xml, "text/xml").documentElement?.textContent;
    expect(text("<r>&lt;&amp;&gt;&quot;&apos;</r>")).toBe(`<&>"'`);
    // With xmldom's own table, an HTML-only entity stays unexpanded in XML: the HTML table is unused.
    expect(text("<r>a&nbsp;b</r>")).not.toContain("\u00a0");
  });
});
