// The heartbeat store: each monitor's row (state that survives a restart), heartbeats, minute/hour aggregates, pruning.
import type { Database } from '../store/db.js';
import { limitedStatements } from '../store/limited.js';
import { DOWN, MAINTENANCE, PENDING, UP, type BeatStatus, type MonitorState } from './state.js';

/** How long buffered beats wait before they are written together (one transaction, one disk sync). */
export const FLUSH_EVERY_MS = 250;
/** Minute aggregates are kept a day, as Kuma keeps its per-minute statistics; hour aggregates as long as heartbeats. */
export const MINUTE_RETENTION_MS = 24 * 3_600_000;

/** One prune step (one short transaction) looks at this many monitors and deletes about this many heartbeats at most. */
const PRUNE_MONITORS = 100;
const PRUNE_ROW_BUDGET = 5_000;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** One heartbeat as stored; `time` is when the check started (ms since the epoch), as Kuma records it. */
export interface StoredBeat {
  monitorId: number;
  time: number;
  status: BeatStatus;
  msg: string;
  /** How long the check took, in ms, when it got that far. */
  ping?: number;
  important: boolean;
  retries: number;
}

/** A monitor's state as saved: Kuma's machine, and since when its status holds. */
export interface SavedState {
  state: MonitorState;
  /** When the status took its current value. */
  changedAt: number;
}

/** What the store remembers of a monitor across restarts. */
export interface SavedMonitor {
  id: number;
  name: string;
  /** Undefined until the monitor's first beat. */
  saved: SavedState | undefined;
  /** The last stored beat, for resuming the schedule where it was and showing the last check. */
  lastBeat: StoredBeat | undefined;
  /** The certificate last seen and the expiry thresholds (days) already warned about for it. */
  tls: { fingerprint: string | null; warned: number[] };
}

interface MonitorRow {
  id: number; name: string; status: BeatStatus | null; retries: number; down_count: number; changed_at: number | null;
  tls_fingerprint: string | null; tls_warned: string;
}

interface Pending {
  beat: StoredBeat;
  saved: SavedState | undefined;
}

function prepare(db: Database) {
  const aggregate = (table: string) => db.prepare(`
    INSERT INTO ${table} (monitor_id, bucket, up, down, pending, maintenance, ping_count, ping_sum, ping_min, ping_max)
    VALUES (@monitorId, @bucket, @up, @down, @pending, @maintenance, @pingCount, @ping, @pingOrNull, @pingOrNull)
    ON CONFLICT (monitor_id, bucket) DO UPDATE SET
      up = up + excluded.up, down = down + excluded.down, pending = pending + excluded.pending,
      maintenance = maintenance + excluded.maintenance, ping_count = ping_count + excluded.ping_count,
      ping_sum = ping_sum + excluded.ping_sum,
      ping_min = min(coalesce(ping_min, excluded.ping_min), coalesce(excluded.ping_min, ping_min)),
      ping_max = max(coalesce(ping_max, excluded.ping_max), coalesce(excluded.ping_max, ping_max))`);
  return {
    createMonitor: db.prepare('INSERT INTO monitor (name, created_at) VALUES (?, ?)'),
    monitorByName: db.prepare<[string], MonitorRow>('SELECT * FROM monitor WHERE name = ?'),
    insertBeat: db.prepare(`INSERT INTO heartbeat (monitor_id, time, status, msg, ping, important, retries)
      VALUES (@monitorId, @time, @status, @msg, @ping, @important, @retries)`),
    minute: aggregate('heartbeat_minute'),
    hour: aggregate('heartbeat_hour'),
    saveState: db.prepare('UPDATE monitor SET status = ?, retries = ?, down_count = ?, changed_at = ? WHERE id = ?'),
    saveTls: db.prepare('UPDATE monitor SET tls_fingerprint = ?, tls_warned = ? WHERE id = ?'),
    // Limits written in the SQL (see limitedStatements): loading 10,000 monitors reads each one's last beat.
    history: limitedStatements((limit) => db.prepare<[number], Record<string, number | string | null>>(
      `SELECT * FROM heartbeat WHERE monitor_id = ? ORDER BY time DESC, id DESC LIMIT ${limit}`)),
    monitorIdsAfter: limitedStatements((limit) => db.prepare<[number], number>(`SELECT id FROM monitor WHERE id > ? ORDER BY id LIMIT ${limit}`).pluck()),
    // A bound limit: the budget left differs at each call, and pruning runs once an hour.
    pruneBeats: db.prepare('DELETE FROM heartbeat WHERE id IN (SELECT id FROM heartbeat WHERE monitor_id = ? AND time < ? LIMIT ?)'),
    pruneMinutes: db.prepare('DELETE FROM heartbeat_minute WHERE monitor_id = ? AND bucket < ?'),
    pruneHours: db.prepare('DELETE FROM heartbeat_hour WHERE monitor_id = ? AND bucket < ?'),
  };
}

/** Counts of a beat for the aggregate tables: one of the four statuses, and its ping if it has one. */
function aggregateParams(beat: StoredBeat, bucket: number) {
  const ping = beat.ping ?? null;
  return {
    monitorId: beat.monitorId, bucket,
    up: beat.status === UP ? 1 : 0, down: beat.status === DOWN ? 1 : 0,
    pending: beat.status === PENDING ? 1 : 0, maintenance: beat.status === MAINTENANCE ? 1 : 0,
    pingCount: ping === null ? 0 : 1, ping: ping ?? 0, pingOrNull: ping,
  };
}

/** Reads and writes the monitor engine's tables; beats are buffered and written a few times a second. */
export class HeartbeatStore {
  private readonly stmts;
  private readonly writeAll: (pending: readonly Pending[], alongside: (() => void) | undefined) => void;
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** `onError` hears of a background write that failed (disk full…): those beats are lost, the engine goes on. */
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
    private readonly onError: (error: unknown) => void = (error) => { throw error; },
  ) {
    this.stmts = prepare(db);
    this.writeAll = db.transaction((pending: readonly Pending[], alongside: (() => void) | undefined) => {
      for (const p of pending) this.writeOne(p);
      alongside?.();
    });
  }

  /** The saved rows of these monitors, created for new names; one transaction for them all. */
  load(names: readonly string[]): Map<string, SavedMonitor> {
    const found = new Map<string, SavedMonitor>();
    this.db.transaction(() => {
      const createdAt = this.now();
      for (const name of names) {
        // Looked up first: an INSERT that meets the name would still use up an id.
        if (!this.stmts.monitorByName.get(name)) this.stmts.createMonitor.run(name, createdAt);
        const row = this.stmts.monitorByName.get(name);
        if (row) found.set(name, fromRow(row, this.history(row.id, 1)[0]));
      }
    })();
    return found;
  }

  /** Keeps a beat (and the monitor's new state, when it changed) to be written with the next flush. */
  record(beat: StoredBeat, saved?: SavedState): void {
    this.buffer.push({ beat, saved });
    this.timer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.onError(error);
      }
    }, FLUSH_EVERY_MS).unref();
  }

  /**
   * Writes a beat now, with everything buffered before it, and runs `alongside` (queuing its alert) in the same
   * transaction: the alert is stored if and only if the state that sent it is, so a restart never sends it twice.
   */
  recordNow(beat: StoredBeat, saved: SavedState | undefined, alongside: () => void): void {
    this.cancelTimer();
    this.writeAll([...this.buffer, { beat, saved }], alongside);
    this.buffer = [];
  }

  /** Writes the buffered beats. */
  flush(): void {
    this.cancelTimer();
    if (this.buffer.length === 0) return;
    const pending = this.buffer;
    this.buffer = [];
    // On failure the beats are dropped: kept, they would pile up while the disk stays full.
    this.writeAll(pending, undefined);
  }

  /** Remembers the certificate seen and the thresholds warned about for it; `alongside` (its warning) in the same transaction. */
  saveTls(monitorId: number, fingerprint: string | null, warned: readonly number[], alongside?: () => void): void {
    this.db.transaction(() => {
      this.stmts.saveTls.run(fingerprint, JSON.stringify(warned), monitorId);
      alongside?.();
    })();
  }

  /** The latest beats of a monitor, newest first. */
  history(monitorId: number, limit = 100): StoredBeat[] {
    return this.stmts.history(limit).all(monitorId).map((row) => {
      const beat: StoredBeat = {
        monitorId: Number(row.monitor_id), time: Number(row.time), status: Number(row.status) as BeatStatus,
        msg: String(row.msg), important: row.important === 1, retries: Number(row.retries),
      };
      if (row.ping !== null) beat.ping = Number(row.ping);
      return beat;
    });
  }

  /**
   * Deletes heartbeats and hour aggregates older than `retentionMs`, and minute aggregates older than a day, for the
   * monitors after `afterId`, stopping after about `rowBudget` heartbeats so one step never holds the event loop
   * long. Returns where the next step starts, or undefined once every monitor is done.
   */
  pruneStep(retentionMs: number, afterId: number, rowBudget = PRUNE_ROW_BUDGET): number | undefined {
    const ids = this.stmts.monitorIdsAfter(PRUNE_MONITORS).all(afterId);
    if (ids.length === 0) return undefined;
    const now = this.now();
    let budget = rowBudget;
    let done = afterId;
    this.db.transaction(() => {
      for (const id of ids) {
        const deleted = this.stmts.pruneBeats.run(id, now - retentionMs, budget).changes;
        // This monitor may have more: the next step starts with it again.
        if (deleted >= budget) return;
        budget -= deleted;
        this.stmts.pruneHours.run(id, now - retentionMs);
        this.stmts.pruneMinutes.run(id, now - MINUTE_RETENTION_MS);
        done = id;
      }
    })();
    return done;
  }

  private writeOne({ beat, saved }: Pending): void {
    this.stmts.insertBeat.run({ ...beat, ping: beat.ping ?? null, important: beat.important ? 1 : 0 });
    this.stmts.minute.run(aggregateParams(beat, beat.time - (beat.time % MINUTE_MS)));
    this.stmts.hour.run(aggregateParams(beat, beat.time - (beat.time % HOUR_MS)));
    if (saved) {
      const { state } = saved;
      this.stmts.saveState.run(state.status, state.retries, state.downCount, saved.changedAt, beat.monitorId);
    }
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function fromRow(row: MonitorRow, lastBeat: StoredBeat | undefined): SavedMonitor {
  const saved = row.status === null
    ? undefined
    : { state: { status: row.status, retries: row.retries, downCount: row.down_count }, changedAt: row.changed_at ?? 0 };
  const warned: unknown = JSON.parse(row.tls_warned);
  return {
    id: row.id, name: row.name, saved, lastBeat,
    tls: { fingerprint: row.tls_fingerprint, warned: Array.isArray(warned) ? warned.filter((d): d is number => typeof d === 'number') : [] },
  };
}

/** How often the pruner walks every monitor. */
export const PRUNE_EVERY_MS = 3_600_000;

/** Prunes in the background: a pass every hour, in small steps that leave the event loop free between them. */
export function startPruner(store: HeartbeatStore, retentionMs: number, onError: (error: unknown) => void): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const step = (afterId: number) => {
    if (stopped) return;
    let next: number | undefined;
    try {
      next = store.pruneStep(retentionMs, afterId);
    } catch (error) {
      onError(error);
    }
    timer = next === undefined ? setTimeout(() => step(0), PRUNE_EVERY_MS) : setTimeout(() => step(next), 0);
    timer.unref();
  };
  // The first pass waits a minute: start-up has better things to do.
  timer = setTimeout(() => step(0), 60_000).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
