// Members' power levels per room, read from m.room.power_levels and kept a short while (a command burst reads once).
import { roomCreators, userPowerLevel, type PowerLevels, type RoomCreators } from '../matrix/power-levels.js';

/** How long a room's power levels are trusted: a promotion or demotion counts within a minute. */
export const POWER_LEVELS_TTL_MS = 60_000;

/** Reads a room's state (MatrixClient fits). */
export interface StateReader {
  /** The content of a state event; with `format: 'event'`, the whole event (sender included) where the server supports it. */
  getStateEvent<T = Record<string, unknown>>(roomId: string, type: string, stateKey?: string, options?: { format?: 'event' }): Promise<T | null>;
}

/** Power levels by room, each read at most once per TTL. */
export class PowerLevelCache {
  private readonly rooms = new Map<string, { at: number; levels: Promise<PowerLevels | null> }>();
  /** Each room's creators: its m.room.create event never changes. */
  private readonly creators = new Map<string, Promise<RoomCreators>>();
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly state: StateReader, options: { ttlMs?: number; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? POWER_LEVELS_TTL_MS;
  }

  /** The user's level in the room; throws the MatrixError when the room's state cannot be read. */
  async level(roomId: string, userId: string): Promise<number> {
    const now = this.now();
    let entry = this.rooms.get(roomId);
    if (!entry || now - entry.at >= this.ttlMs) {
      entry = { at: now, levels: this.state.getStateEvent<PowerLevels>(roomId, 'm.room.power_levels') };
      this.rooms.set(roomId, entry);
      // A failed read is not remembered: the next command asks again.
      entry.levels.catch(() => this.rooms.delete(roomId));
    }
    return userPowerLevel(await entry.levels, userId, await this.creatorsOf(roomId));
  }

  private creatorsOf(roomId: string): Promise<RoomCreators> {
    let creators = this.creators.get(roomId);
    if (!creators) {
      creators = this.state.getStateEvent(roomId, 'm.room.create', '', { format: 'event' }).then(roomCreators);
      this.creators.set(roomId, creators);
      creators.catch(() => this.creators.delete(roomId));
    }
    return creators;
  }
}
