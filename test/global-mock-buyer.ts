import type { TestProject } from "vitest/node";

/** Starts nothing yet — placeholder replaced by the mock buyer global setup. */
export default function setup(project: TestProject) {
  project.provide("mockBuyerOrigin", "http://127.0.0.1:1");
}
