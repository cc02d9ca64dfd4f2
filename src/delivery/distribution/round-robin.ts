import { takeTurn } from "../../db/routing-turns";
import type { BidCandidate } from "../pingpost";
import { baseRow, type Ordering } from "./types";

/**
 * `round_robin`, given the turns: buyers of the highest priority first, the one whose turn it
 * is (`taken`) at their head, the rest by their last turn (lower waited longer), then id; the
 * lower priorities after, each group by its turns the same way.
 */
export function roundRobinOrder(candidates: readonly BidCandidate[], turns: ReadonlyMap<string, number>, taken: string | undefined): Ordering {
  const turn = (c: BidCandidate) => turns.get(c.buyer.id) ?? 0;
  const order = [...candidates].sort(
    (a, b) =>
      b.buyer.priority - a.buyer.priority ||
      Number(b.buyer.id === taken) - Number(a.buyer.id === taken) ||
      turn(a) - turn(b) ||
      a.buyer.id.localeCompare(b.buyer.id),
  );
  return { order, scores: order.map((c) => ({ ...baseRow(c), score: turn(c), ...(c.buyer.id === taken ? { turn: "taken" } : {}) })) };
}

/**
 * Takes the turn among the buyers of the highest priority, shared by every worker in D1, and
 * orders the candidates by it. `pool` is the lead's vertical: a buyer's turn in one vertical
 * is not its turn in another.
 */
export async function orderRoundRobin(env: Env, pool: string, candidates: readonly BidCandidate[], nowMs: number): Promise<Ordering> {
  if (candidates.length === 0) return { order: [], scores: [] };
  const top = Math.max(...candidates.map((c) => c.buyer.priority));
  const contenders = candidates.filter((c) => c.buyer.priority === top).map((c) => c.buyer.id);
  const others = candidates.filter((c) => c.buyer.priority !== top).map((c) => c.buyer.id);
  const { taken, turns } = await takeTurn(env, pool, contenders, others, nowMs);
  return roundRobinOrder(candidates, turns, taken);
}
