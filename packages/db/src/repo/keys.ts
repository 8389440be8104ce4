import { desc, eq } from "drizzle-orm";
import { exchangeKeys, type ExchangeKeyRow, type KeyPermissions, type KeyProbeStatus } from "../schema";
import type { RepoContext } from "./context";

export type ExchangeKey = ExchangeKeyRow;

/** The sealed credential columns; the repository never sees a plaintext. */
export interface SealedCredentials {
  apiKeySealed: string;
  secretSealed: string;
  passwordSealed: string | null;
  uidSealed: string | null;
}

export interface ProbeRecord {
  permissions: KeyPermissions | null;
  warnings: string[];
  probeStatus: KeyProbeStatus;
  probeMessage: string | null;
  liveAllowed: boolean;
}

export interface NewExchangeKey extends SealedCredentials, ProbeRecord {
  id: string;
  /** A testnet / demo key (default false). */
  testnet?: boolean;
  exchange: string;
  label: string;
  maskedKey: string;
}

export function keyRepo(ctx: RepoContext) {
  const { db, sqlite, now } = ctx;

  function create(input: NewExchangeKey): ExchangeKey {
    const t = now();
    return db
      .insert(exchangeKeys)
      .values({ ...input, credentialsVersion: 1, probedAt: t, createdAt: t, updatedAt: t })
      .returning()
      .get();
  }

  function get(id: string): ExchangeKey | undefined {
    return db.select().from(exchangeKeys).where(eq(exchangeKeys.id, id)).get();
  }

  function list(): ExchangeKey[] {
    return db.select().from(exchangeKeys).orderBy(desc(exchangeKeys.createdAt)).all();
  }

  function recordProbe(id: string, probe: ProbeRecord): ExchangeKey | undefined {
    const t = now();
    return db
      .update(exchangeKeys)
      .set({ ...probe, probedAt: t, updatedAt: t })
      .where(eq(exchangeKeys.id, id))
      .returning()
      .get();
  }

  /**
   * Swaps the sealed credentials in place and bumps credentialsVersion. With secure_delete on for
   * the statement, SQLite overwrites the old cell's bytes instead of leaving them in free space,
   * and the WAL is checkpointed and truncated so no old page copy survives there either.
   */
  function rotate(id: string, sealed: SealedCredentials & { maskedKey: string }, probe: ProbeRecord): ExchangeKey | undefined {
    const previous = sqlite.pragma("secure_delete", { simple: true }) as number;
    sqlite.pragma("secure_delete = ON");
    let row: ExchangeKey | undefined;
    try {
      const t = now();
      row = sqlite.transaction(() => {
        const current = get(id);
        if (!current) return undefined;
        return db
          .update(exchangeKeys)
          // A confirmation that withdrawals are off was about the old key at the exchange.
          .set({ ...sealed, ...probe, withdrawOffConfirmedAt: null, credentialsVersion: current.credentialsVersion + 1, probedAt: t, rotatedAt: t, updatedAt: t })
          .where(eq(exchangeKeys.id, id))
          .returning()
          .get();
      })();
    } finally {
      sqlite.pragma(`secure_delete = ${previous ? "ON" : "OFF"}`);
    }
    wipeWal();
    return row;
  }

  /** Records the person's confirmation that withdrawals are disabled, with the verdict it changes. */
  function confirmWithdrawOff(id: string, verdict: Pick<ProbeRecord, "warnings" | "liveAllowed">): ExchangeKey | undefined {
    const t = now();
    return db
      .update(exchangeKeys)
      .set({ ...verdict, withdrawOffConfirmedAt: t, updatedAt: t })
      .where(eq(exchangeKeys.id, id))
      .returning()
      .get();
  }

  function touch(id: string): void {
    db.update(exchangeKeys).set({ lastUsedAt: now() }).where(eq(exchangeKeys.id, id)).run();
  }

  /** Deletes the row with secure_delete on, so its sealed values are overwritten on disk. */
  function remove(id: string): boolean {
    const previous = sqlite.pragma("secure_delete", { simple: true }) as number;
    sqlite.pragma("secure_delete = ON");
    let removed: boolean;
    try {
      removed = db.delete(exchangeKeys).where(eq(exchangeKeys.id, id)).run().changes > 0;
    } finally {
      sqlite.pragma(`secure_delete = ${previous ? "ON" : "OFF"}`);
    }
    wipeWal();
    return removed;
  }

  function wipeWal(): void {
    // Best effort: a reader holding an old snapshot keeps the WAL alive until it finishes.
    try {
      sqlite.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      /* in-memory databases have no WAL */
    }
  }

  return { create, get, list, recordProbe, confirmWithdrawOff, rotate, touch, remove };
}

export type KeyRepo = ReturnType<typeof keyRepo>;
