/**
 * The lead state machine. Every move a lead can make is named here with the states it may
 * start from; `src/db/leads.ts` turns each into one SQL-guarded write, so an illegal move
 * changes nothing (and says so) whatever the caller believed the state was.
 *
 * ```
 *  received ──queue──▶ queued ◀──────park / resume / requeue───────┐
 *     │                  │                                        │
 *     └──────lease───────┴──lease──▶ delivering ──await──▶ pending ┘
 *                                     │  │  │                 │
 *                                sell │  │  └─expire─▶ expired │ sell (callback)
 *                                     ▼  └─giveUp─▶ unsold     ▼
 *                                    sold ◀────────────────────┘
 *   sold | unsold | expired ──reoffer──▶ queued   (a return re-offers the lead)
 * ```
 */
export const LEAD_STATUSES = ["received", "queued", "delivering", "pending", "sold", "unsold", "expired"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** States a lead ends in; every accepted lead reaches exactly one of them (or is re-offered from it). */
export const TERMINAL_STATUSES: readonly LeadStatus[] = ["sold", "unsold", "expired"];

/** States in which a lead still needs routing. */
export const ROUTABLE_STATUSES: readonly LeadStatus[] = ["received", "queued", "delivering"];

interface Move {
  readonly from: readonly LeadStatus[];
  readonly to: LeadStatus;
}

export const LEAD_MOVES = {
  /** Intake put the lead on the deliveries queue. */
  queue: { from: ["received"], to: "queued" },
  /** A worker takes the routing lease (also from an expired lease of a crashed worker). */
  lease: { from: ["received", "queued", "delivering"], to: "delivering" },
  /** The lease holder parks the lead until its next attempt is due. */
  park: { from: ["delivering"], to: "queued" },
  /** The lease holder waits for an asynchronous buyer's decision. */
  await: { from: ["delivering"], to: "pending" },
  /** Sold: by the lease holder, or by a buyer's callback on a pending lead. */
  sell: { from: ["delivering", "pending", "queued"], to: "sold" },
  /** The waterfall ran out of buyers. */
  giveUp: { from: ["delivering"], to: "unsold" },
  /** The lead reached its maximum age. */
  expire: { from: ["delivering"], to: "expired" },
  /** A pending decision was a rejection or never came: route again. */
  resume: { from: ["pending"], to: "queued" },
  /** The sweep puts a lead whose message or worker was lost back on the queue. */
  requeue: { from: ["received", "queued", "delivering"], to: "queued" },
  /** A sold lead was returned (or an ended one is offered again). */
  reoffer: { from: ["sold", "unsold", "expired"], to: "queued" },
} as const satisfies Record<string, Move>;

export type LeadMove = keyof typeof LEAD_MOVES;

/** Whether `move` may start from `status`. */
export function canMove(move: LeadMove, status: LeadStatus): boolean {
  return (LEAD_MOVES[move].from as readonly LeadStatus[]).includes(status);
}

/**
 * A claim is one (lead, buyer) pair: the promise that this buyer gets this lead at most once
 * (retries carry the same idempotency key).
 *
 * ```
 *  trying ──accept──▶ accepted ──return──▶ returned
 *    │ ├──await──▶ pending ──accept / reject / expireAck──▶ accepted | rejected | expired
 *    │ ├──reject─▶ rejected
 *    │ └──fail───▶ failed ──retryRound──▶ trying   (transient or server, in a later round)
 * ```
 */
export const CLAIM_STATES = ["trying", "pending", "accepted", "rejected", "failed", "expired", "returned"] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

interface ClaimMove {
  readonly from: readonly ClaimState[];
  readonly to: ClaimState;
}

export const CLAIM_MOVES = {
  accept: { from: ["trying", "pending"], to: "accepted" },
  await: { from: ["trying"], to: "pending" },
  reject: { from: ["trying", "pending"], to: "rejected" },
  fail: { from: ["trying"], to: "failed" },
  expireAck: { from: ["pending"], to: "expired" },
  retryRound: { from: ["failed"], to: "trying" },
  return: { from: ["accepted"], to: "returned" },
} as const satisfies Record<string, ClaimMove>;

export type ClaimMoveName = keyof typeof CLAIM_MOVES;
