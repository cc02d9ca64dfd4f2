import type { TokenProvider } from "../integration/types";
import type { SqlLike } from "./breaker";

/** A token as the buyer's token endpoint issued it. */
export interface IssuedToken {
  token: string;
  /** When to replace it (ms since epoch, gate clock): the issuer already took its refresh skew off. */
  expiresAtMs: number;
  /** A rotated refresh token, kept for the next refresh. */
  refreshToken?: string;
  /** Salesforce's `instance_url`: where requests made with this token go. */
  instanceUrl?: string;
}

interface TokenRow {
  token: string;
  expires_at: number;
  refresh_token: string | null;
  instance_url: string | null;
}

/**
 * OAuth / login tokens cached in the gate's SQLite storage, one row per auth config, and in
 * memory (read once; the gate is the only writer, every refresh is written through). Only one
 * refresh runs at a time: concurrent callers share the in-flight promise (it lives on the
 * object, so it is shared by every request the object is serving).
 */
export class TokenCache {
  #inflight = new Map<string, Promise<string>>();
  #rows = new Map<string, TokenRow | null>();

  constructor(
    private readonly sql: SqlLike,
    private readonly now: () => number,
  ) {}

  #row(key: string): TokenRow | null {
    let row = this.#rows.get(key);
    if (row === undefined) {
      row =
        this.sql
          .exec<TokenRow & Record<string, SqlStorageValue>>("SELECT token, expires_at, refresh_token, instance_url FROM tokens WHERE key = ?", key)
          .toArray()[0] ?? null;
      this.#rows.set(key, row);
    }
    return row;
  }

  /** The last rotated refresh token for `key`, if the server issued one. */
  refreshToken(key: string): string | undefined {
    return this.#row(key)?.refresh_token ?? undefined;
  }

  /** The instance URL issued with the token now cached for `key` (Salesforce), if any. */
  instanceUrl(key: string): string | undefined {
    return this.#row(key)?.instance_url ?? undefined;
  }

  /** The cached token for `key` while it is still good. */
  cached(key: string): string | undefined {
    const row = this.#row(key);
    if (!row) return undefined;
    return row.expires_at > this.now() ? row.token : undefined;
  }

  /**
   * A TokenProvider for one attempt. `forceRefresh` (after a 401) fetches a new token unless
   * another request already replaced the one this attempt used — ten leads that all got a 401
   * with the same stale token cause one refresh, not ten.
   */
  provider(key: string, issue: () => Promise<IssuedToken>): TokenProvider {
    let lastIssued: string | undefined;
    const self = this;
    return {
      async getToken(forceRefresh = false): Promise<string> {
        const cached = self.cached(key);
        if (cached !== undefined && (!forceRefresh || (lastIssued !== undefined && cached !== lastIssued))) {
          lastIssued = cached;
          return cached;
        }
        lastIssued = await self.#refresh(key, issue);
        return lastIssued;
      },
      instanceUrl: () => self.instanceUrl(key),
    };
  }

  /** Drops the cached token (the auth config changed). */
  forget(key: string): void {
    this.sql.exec("DELETE FROM tokens WHERE key = ?", key);
    this.#rows.set(key, null);
  }

  #refresh(key: string, issue: () => Promise<IssuedToken>): Promise<string> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const p = (async () => {
      try {
        const t = await issue();
        const prev = this.#row(key);
        this.sql.exec(
          `INSERT INTO tokens (key, token, expires_at, fetched_at, refresh_token, instance_url) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, fetched_at = excluded.fetched_at,
             refresh_token = COALESCE(excluded.refresh_token, tokens.refresh_token), instance_url = excluded.instance_url`,
          key,
          t.token,
          t.expiresAtMs,
          this.now(),
          t.refreshToken ?? null,
          t.instanceUrl ?? null,
        );
        this.#rows.set(key, {
          token: t.token,
          expires_at: t.expiresAtMs,
          refresh_token: t.refreshToken ?? prev?.refresh_token ?? null,
          instance_url: t.instanceUrl ?? null,
        });
        return t.token;
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, p);
    return p;
  }
}
