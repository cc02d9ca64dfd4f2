/**
 * vitest globalSetup for the `e2e` project: looks for a Chromium once (test/e2e/browser.ts) and
 * hands the path to the page tests. Without one, the run ends with one line naming the skipped
 * page tests and how to install a browser; under LEADWIRE_REQUIRE_BROWSER=1 (CI) the page tests
 * fail instead.
 */
import type { TestProject } from "vitest/node";
import { browserRequired, findChromium, skipLine } from "./browser";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Chromium executable the page tests launch, or null when none was found. */
    chromiumPath: string | null;
  }
}

export default function setup(project: TestProject): () => void {
  const lookup = findChromium();
  project.provide("chromiumPath", lookup.path ?? null);
  return () => {
    // At teardown, so the line stands next to vitest's summary instead of scrolling away.
    if (!lookup.path && !browserRequired()) process.stderr.write(`\n${skipLine(lookup)}\n`);
  };
}
