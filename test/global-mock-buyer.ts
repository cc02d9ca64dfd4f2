import type { TestProject } from "vitest/node";
import { startMockBuyer } from "./mock-buyer/server";
import { startMockOps } from "./mock-ops/server";

declare module "vitest" {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the mock buyer the worker tests deliver to. */
    mockBuyerOrigin: string;
    /** `http://127.0.0.1:<port>` of the alert targets and Analytics Engine SQL API stand-in (test/mock-ops). */
    mockOpsOrigin: string;
  }
}

/**
 * vitest globalSetup for the `worker` project: one mock buyer on a random loopback port for the
 * whole run. Workers tests reach it as `${env.MOCK_BUYER_ORIGIN}` and reset it via `/_control/reset`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [mock, ops] = await Promise.all([startMockBuyer({ port: 0, host: "127.0.0.1" }), startMockOps({ port: 0 })]);
  project.provide("mockBuyerOrigin", mock.origin);
  project.provide("mockOpsOrigin", ops.origin);
  return async () => {
    await Promise.all([mock.close(), ops.close()]);
  };
}
