import type { BreakerSnapshot, BreakerStore } from "../../../src/buyer-gate/breaker";

/** In-memory BreakerStore with the same semantics as the SQLite one. */
export class MemoryBreakerStore implements BreakerStore {
  snap: BreakerSnapshot | undefined;
  calls: { at: number; failure: boolean }[] = [];
  load() {
    return this.snap ? { ...this.snap } : undefined;
  }
  save(s: BreakerSnapshot) {
    this.snap = { ...s };
  }
  addCall(at: number, failure: boolean) {
    this.calls.push({ at, failure });
  }
  countSince(since: number) {
    const c = this.calls.filter((x) => x.at >= since);
    return { calls: c.length, failures: c.filter((x) => x.failure).length };
  }
  pruneBefore(at: number) {
    this.calls = this.calls.filter((x) => x.at >= at);
  }
  clearCalls() {
    this.calls = [];
  }
}
