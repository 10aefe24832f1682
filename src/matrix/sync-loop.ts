// The process's one /sync long-poll: follows the bot's rooms, emits messages, reactions and invites, keeps its token.
import { EventEmitter } from 'node:events';
import type { Logger } from '../logging.js';
import { MatrixError } from './errors.js';

/** How long the homeserver holds each /sync open when nothing happens. */
export const SYNC_TIMEOUT_MS = 30_000;
/** The first wait after a failed /sync; it doubles on each failure in a row… */
const MIN_BACKOFF_MS = 1_000;
/** …up to this. */
const MAX_BACKOFF_MS = 60_000;
/** Timeline events per room and sync: more than a room types in 30 s, so nothing is skipped in practice. */
const TIMELINE_LIMIT = 50;
/**
 * When a sync's timeline is cut (more was said since the last one, as after a restart), the events before it are
 * read back from the history, this many pages of this many; older ones are skipped (and logged).
 */
const PAGE_BACK_PAGES = 10;
const PAGE_BACK_SIZE = 100;

/** The events the bot acts on, in a room's timeline and its history. */
function eventFilter(encrypted: boolean, botUserId: string | undefined): Record<string, unknown> {
  const types = ['m.room.message', 'm.reaction', 'm.room.redaction', ...(encrypted ? ['m.room.encrypted'] : [])];
  // The bot's own messages (alerts, answers) would fill the timeline's limit and push people's commands out of it.
  return { types, ...(botUserId === undefined ? {} : { not_senders: [botUserId] }) };
}

/**
 * Only what the bot acts on: messages and reactions in joined rooms (encrypted messages too when it can decrypt
 * them), and invites (never filtered). To-device messages and device lists are not filterable and always come, for
 * encryption's onSync subscriber.
 */
export function roomSyncFilter(encrypted: boolean, botUserId?: string): string {
  return JSON.stringify({
    presence: { not_types: ['*'] },
    account_data: { not_types: ['*'] },
    room: {
      timeline: { ...eventFilter(encrypted, botUserId), limit: TIMELINE_LIMIT },
      state: { not_types: ['*'] },
      ephemeral: { not_types: ['*'] },
      account_data: { not_types: ['*'] },
    },
  });
}

/** What the loop needs of the Matrix client (MatrixClient fits; its call timeout must exceed SYNC_TIMEOUT_MS). */
export interface SyncApi {
  sync(params: { since?: string; timeoutMs?: number; filter?: string }, signal?: AbortSignal): Promise<Record<string, unknown>>;
  whoami(): Promise<{ userId: string }>;
  /** A page of a room's history (MatrixClient.roomMessages); without it, a cut timeline's start is skipped. */
  roomMessages?(roomId: string, params: { dir: 'b'; from: string; to: string; limit: number; filter: string }, signal?: AbortSignal): Promise<{ chunk: unknown[]; end?: string }>;
}

/** A room event as /sync gives it (the fields the bot reads). */
export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  /** The event a redaction takes back: top-level before room version 11, in the content from 11 on. */
  redacts?: string;
}

/** The loop's events: (room id, event) for messages, reactions and redactions, (room id, inviter) for invites. */
export interface SyncLoopEvents {
  message: [roomId: string, event: RoomEvent];
  reaction: [roomId: string, event: RoomEvent];
  redaction: [roomId: string, event: RoomEvent & { redacts: string }];
  invite: [roomId: string, inviter: string];
}

/** Called with each whole /sync answer before the loop acts on it; the token is saved only once every one resolved. */
export type SyncSubscriber = (response: Record<string, unknown>) => void | Promise<void>;

/** Turns an `m.room.encrypted` event into its clear type and content; undefined when it cannot. */
export type RoomDecryptor = (roomId: string, event: Record<string, unknown>) => Promise<{ type: string; content: Record<string, unknown> } | undefined>;

/** Where the `since` token is kept between runs (the kv table). */
export interface SyncTokenStore {
  get(): string | undefined;
  set(token: string): void;
}

/** What the loop is built with. */
export interface SyncLoopOptions {
  api: SyncApi;
  token: SyncTokenStore;
  logger: Logger;
  /** The bot's user id (its own events are ignored); default: asked with whoami at start. */
  userId?: string;
  /** Long-poll time of each /sync; default SYNC_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Waits after failures: first and longest; default 1 s and 60 s. */
  backoff?: { minMs: number; maxMs: number };
  /** Decrypts messages of encrypted rooms (run after the onSync subscribers took the answer's room keys); default none. */
  decrypt?: RoomDecryptor;
  /** Resolves once the events emitted so far are acted on: the token is saved after it, so a crash replays them. */
  settled?: () => Promise<void>;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});

/** Follows the rooms with one /sync at a time: start() once, stop() on shutdown; listeners run synchronously. */
export class SyncLoop extends EventEmitter<SyncLoopEvents> {
  private readonly log: Logger;
  private readonly subscribers = new Set<SyncSubscriber>();
  private readonly controller = new AbortController();
  private userId: string | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private filter: string | undefined;

  constructor(private readonly options: SyncLoopOptions) {
    super();
    this.log = options.logger.child({ component: 'sync' });
    this.userId = options.userId;
  }

  /** Hands every /sync answer to `subscriber` (encryption reads to_device and device_lists); returns the unsubscribe. */
  onSync(subscriber: SyncSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Begins syncing in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /** Ends the long-poll in progress and waits for the loop to finish. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        this.userId ??= (await this.options.api.whoami()).userId;
        await this.syncOnce(signal);
        if (this.failures > 0) this.log.info({ failures: this.failures }, 'syncing with the homeserver again');
        this.failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.failures += 1;
        const waitMs = this.backoffMs(error);
        const level = this.failures === 1 || error instanceof MatrixError && error.isPermanent ? 'warn' : 'debug';
        this.log[level]({ err: describe(error), failures: this.failures, retryInMs: waitMs },
          'following the rooms (/sync) failed; commands and reactions wait until it works again');
        await sleep(waitMs, signal);
      }
    }
  }

  /** One /sync: subscribers first, then the events, then the token (a crash before it replays, never skips). */
  private async syncOnce(signal: AbortSignal): Promise<void> {
    const since = this.options.token.get();
    this.filter ??= roomSyncFilter(this.options.decrypt !== undefined, this.userId);
    const response = await this.options.api.sync(
      { since, timeoutMs: since === undefined ? 0 : this.options.timeoutMs ?? SYNC_TIMEOUT_MS, filter: this.filter }, signal);
    for (const subscriber of this.subscribers) await subscriber(response);
    if (signal.aborted) return;
    const rooms = record(response.rooms);
    this.emitInvites(record(rooms.invite));
    // The first sync of a database holds the rooms' history: old commands are not acted on, only what comes after.
    if (since !== undefined) await this.emitTimeline(record(rooms.join), since, signal);
    else this.log.info('first sync: the rooms\' history is skipped, Vigie answers what is said from now on');
    await this.options.settled?.();
    this.options.token.set(response.next_batch as string);
  }

  private async emitTimeline(join: Record<string, unknown>, since: string, signal: AbortSignal): Promise<void> {
    for (const [roomId, section] of Object.entries(join)) {
      const timeline = record(record(section).timeline);
      const events: unknown = timeline.events;
      if (!Array.isArray(events)) continue;
      const earlier = timeline.limited === true ? await this.pageBack(roomId, timeline.prev_batch, since, signal) : [];
      for (const raw of [...earlier, ...(events as unknown[])]) {
        let event = roomEvent(raw);
        if (!event || event.sender === this.userId) continue;
        if (event.type === 'm.room.encrypted') event = await this.decrypted(roomId, event, record(raw));
        if (!event) continue;
        if (event.type === 'm.room.message') {
          const message = isEdit(event) ? editedMessage(event) : event;
          if (message) this.safeEmit('message', roomId, message);
        }
        else if (event.type === 'm.reaction') this.safeEmit('reaction', roomId, event);
        else if (event.type === 'm.room.redaction' && event.redacts !== undefined) this.safeEmit('redaction', roomId, { ...event, redacts: event.redacts });
      }
    }
  }

  /**
   * The events between the last sync and a cut timeline, oldest first, read back from the room's history; as many as
   * PAGE_BACK_PAGES pages hold (the oldest beyond them are skipped, and logged), none when the history cannot be read.
   */
  private async pageBack(roomId: string, prevBatch: unknown, since: string, signal: AbortSignal): Promise<unknown[]> {
    const skipped = (why: string): unknown[] => {
      this.log.warn({ roomId, why }, 'more was said in the room since the last sync than one sync carries, and the history could not be read: commands and reactions before the last ones were skipped');
      return [];
    };
    const read = this.options.api.roomMessages?.bind(this.options.api);
    if (!read || typeof prevBatch !== 'string') return skipped('no way to read the history');
    const filter = JSON.stringify(eventFilter(this.options.decrypt !== undefined, this.userId));
    const newestFirst: unknown[] = [];
    let from: string | undefined = prevBatch;
    try {
      for (let page = 0; page < PAGE_BACK_PAGES && from !== undefined; page++) {
        const res = await read(roomId, { dir: 'b', from, to: since, limit: PAGE_BACK_SIZE, filter }, signal);
        newestFirst.push(...res.chunk);
        from = res.chunk.length === 0 ? undefined : res.end;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      return [...skipped(describe(error)), ...newestFirst.reverse()];
    }
    if (from !== undefined) {
      this.log.warn({ roomId, read: newestFirst.length }, 'so much was said in the room since the last sync that its oldest commands and reactions were skipped');
    }
    return newestFirst.reverse();
  }

  /** The event with its clear type and content, or undefined when it cannot be read (no key was shared with the bot). */
  private async decrypted(roomId: string, event: RoomEvent, raw: Record<string, unknown>): Promise<RoomEvent | undefined> {
    const clear = await this.options.decrypt?.(roomId, raw).catch((error: unknown) => {
      this.log.debug({ roomId, eventId: event.event_id, err: describe(error) }, 'cannot decrypt a room event');
      return undefined;
    });
    if (!clear) return undefined;
    // Relations travel outside the ciphertext (servers aggregate them): the encrypted event's m.relates_to is the one.
    const relation = event.content['m.relates_to'];
    const content = relation === undefined ? clear.content : { ...clear.content, 'm.relates_to': relation };
    return { ...event, type: clear.type, content };
  }

  private emitInvites(invite: Record<string, unknown>): void {
    for (const [roomId, section] of Object.entries(invite)) {
      const events = record(record(section).invite_state).events;
      const own = Array.isArray(events)
        ? events.map(record).find((ev) => ev.type === 'm.room.member' && ev.state_key === this.userId && record(ev.content).membership === 'invite')
        : undefined;
      if (own && typeof own.sender === 'string') this.safeEmit('invite', roomId, own.sender);
    }
  }

  // A listener's bug must not stop the loop, nor make it replay the same events forever.
  private safeEmit<K extends keyof SyncLoopEvents>(name: K, ...args: SyncLoopEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: SyncLoopEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      this.log.error({ err: describe(error), event: name, roomId: args[0] }, 'a room event listener failed (a bug in Vigie); going on with the next event');
    }
  }

  private backoffMs(error: unknown): number {
    const { minMs, maxMs } = this.options.backoff ?? { minMs: MIN_BACKOFF_MS, maxMs: MAX_BACKOFF_MS };
    if (error instanceof MatrixError && error.isRateLimit && error.retryAfterMs !== undefined) return Math.min(error.retryAfterMs, maxMs);
    // A revoked token will not fix itself quickly: ask rarely.
    if (error instanceof MatrixError && error.isPermanent) return maxMs;
    return Math.min(minMs * 2 ** (this.failures - 1), maxMs);
  }
}

/** The event when it has what the bot reads; redacted events (empty content) are dropped. */
function roomEvent(raw: unknown): RoomEvent | undefined {
  const ev = record(raw);
  const { event_id: eventId, type, sender, content } = ev;
  if (typeof eventId !== 'string' || typeof type !== 'string' || typeof sender !== 'string') return undefined;
  const body = record(content);
  const ts = typeof ev.origin_server_ts === 'number' ? ev.origin_server_ts : 0;
  if (type === 'm.room.redaction') {
    const redacts = typeof ev.redacts === 'string' ? ev.redacts : body.redacts;
    return { event_id: eventId, type, sender, content: body, origin_server_ts: ts, ...(typeof redacts === 'string' ? { redacts } : {}) };
  }
  // An empty content is a redacted event: what it said is gone, and so is anything to act on.
  if (Object.keys(body).length === 0) return undefined;
  return { event_id: eventId, type, sender, content: body, origin_server_ts: ts };
}

/** An edit repeats the message with `* ` in front: acting on it would run the command twice. */
function isEdit(event: RoomEvent): boolean {
  return record(event.content['m.relates_to']).rel_type === 'm.replace';
}

/**
 * An edit as the message it makes, under the original's id: a command fixed with ↑ (a typo) runs, and a command
 * already answered is not answered again (answers are keyed by that id). Undefined when it carries no new content.
 */
function editedMessage(edit: RoomEvent): RoomEvent | undefined {
  const original = record(edit.content['m.relates_to']).event_id;
  const content = record(edit.content['m.new_content']);
  if (typeof original !== 'string' || typeof content.body !== 'string') return undefined;
  return { ...edit, event_id: original, content };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
