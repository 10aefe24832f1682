// Mutes set from the room (`!vigie mute`): stored maintenance windows the monitor engine reads before each check.
import type { MaintenanceWindow } from '../monitor/maintenance.js';
import type { Database } from '../store/db.js';

/** One mute: a monitor name or a tag, silenced until `untilMs`. */
export interface Mute {
  target: string;
  untilMs: number;
  /** Who muted it (a Matrix user id). */
  by: string;
  createdAt: number;
}

/** What the monitor engine reads: the windows in force, as its own maintenance windows. */
export interface MuteWindows {
  windows(): readonly MaintenanceWindow[];
}

interface RawMute {
  target: string; until_ms: number; by: string; created_at: number;
}

/**
 * The `mutes` table, mirrored in memory: the engine asks for windows before every check, so reads never touch
 * the disk. A target names monitors and tags alike (`mute prod 1h` holds the monitor named prod and those tagged prod).
 */
export class MuteStore implements MuteWindows {
  private readonly now: () => number;
  private readonly stmts;
  private mutes: Mute[];
  private compiled: MaintenanceWindow[] = [];

  constructor(db: Database, options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.stmts = {
      all: db.prepare<[], RawMute>('SELECT * FROM mutes ORDER BY created_at, target'),
      upsert: db.prepare('INSERT INTO mutes (target, until_ms, by, created_at) VALUES (?, ?, ?, ?) '
        + 'ON CONFLICT (target) DO UPDATE SET until_ms = excluded.until_ms, by = excluded.by, created_at = excluded.created_at'),
      remove: db.prepare('DELETE FROM mutes WHERE target = ?'),
      prune: db.prepare('DELETE FROM mutes WHERE until_ms <= ?'),
    };
    this.mutes = this.load();
  }

  /** Mutes `target` until `untilMs` (replacing an earlier mute of it). */
  mute(target: string, untilMs: number, by: string): Mute {
    const mute: Mute = { target, untilMs, by, createdAt: this.now() };
    this.stmts.prune.run(mute.createdAt);
    this.stmts.upsert.run(target, untilMs, by, mute.createdAt);
    this.mutes = this.load();
    return mute;
  }

  /** Ends the mute of `target`; false when it had none in force. */
  unmute(target: string): boolean {
    const active = this.active().some((m) => m.target === target);
    this.stmts.remove.run(target);
    this.mutes = this.load();
    return active;
  }

  /** The mutes in force now, oldest first. */
  active(): Mute[] {
    const now = this.now();
    return this.mutes.filter((m) => m.untilMs > now);
  }

  /** The mutes as maintenance windows; expired ones simply no longer hold anything. */
  windows(): readonly MaintenanceWindow[] {
    return this.compiled;
  }

  private load(): Mute[] {
    const mutes = this.stmts.all.all().map((r) => ({ target: r.target, untilMs: r.until_ms, by: r.by, createdAt: r.created_at }));
    this.compiled = mutes.map(toWindow);
    return mutes;
  }
}

/** A mute as a one-off window over the monitor of that name and the monitors with that tag. */
export function toWindow(mute: Mute): MaintenanceWindow {
  return {
    name: `muted from Matrix by ${mute.by}`,
    monitors: new Set([mute.target]), tags: new Set([mute.target]),
    once: { start: mute.createdAt, end: mute.untilMs },
  };
}
