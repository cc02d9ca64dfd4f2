/** Every clock read goes through a Clock so tests drive time instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO 8601 with milliseconds, always UTC. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
