// Acts on what members say in the rooms: runs `!vigie` commands and acknowledges on 👍/✅, for members with the power.
import type { OutboxMessage, OutboxRow } from '../delivery/outbox.js';
import type { Logger } from '../logging.js';
import type { RoomEvent, SyncLoopEvents } from '../matrix/sync-loop.js';
import { runCommand, type CommandDeps } from './actions.js';
import { parseCommand } from './commands.js';
import { noticeReply } from './reply.js';

/** Reactions that acknowledge, once normalised (no variation selector, no skin tone). */
export const ACK_REACTIONS: ReadonlySet<string> = new Set(['👍', '✅']);
/** A member below the power level is told so at most once in this time per room, so refusals cannot flood the room. */
const REFUSAL_QUIET_MS = 10 * 60_000;

/** What the handler needs beyond the commands' own deps; app.ts provides it. */
export interface RoomHandlerDeps extends CommandDeps {
  /** Answers are queued like alerts (durable, rate-limit aware), never sent directly. */
  outbox: { enqueue(messages: readonly OutboxMessage[]): OutboxRow[] };
  /** Tells the deliverer a room has a new row. */
  wake(roomId: string): void;
  power: { level(roomId: string, userId: string): Promise<number> };
  /** The power level commands and acknowledging need (commands.powerLevel). */
  requiredLevel: number;
  logger: Logger;
}

/** Where the handler listens (the SyncLoop). */
export interface RoomEventSource {
  on<K extends 'message' | 'reaction' | 'redaction'>(event: K, listener: (...args: SyncLoopEvents[K]) => void): unknown;
}

/** A reaction key as people mean it: 👍️ and 👍🏽 are 👍. */
export function normaliseReactionKey(key: string): string {
  return key.replace(/[\uFE0E\uFE0F]|\u{1F3FB}|\u{1F3FC}|\u{1F3FD}|\u{1F3FE}|\u{1F3FF}/gu, '');
}

/** Handles one event at a time, in the order the rooms saw them (a mute then an unmute stay in that order). */
export class RoomHandler {
  private readonly log: Logger;
  private chain: Promise<void> = Promise.resolve();
  private readonly refused = new Map<string, number>();

  constructor(private readonly deps: RoomHandlerDeps) {
    this.log = deps.logger.child({ component: 'room' });
  }

  /** Listens to the sync loop's messages, reactions and redactions. */
  attach(source: RoomEventSource): void {
    source.on('message', (roomId, event) => void this.queue(() => this.onMessage(roomId, event)));
    source.on('reaction', (roomId, event) => void this.queue(() => this.onReaction(roomId, event)));
    source.on('redaction', (roomId, event) => void this.queue(() => this.onRedaction(roomId, event)));
  }

  /** Resolves when every event received so far is handled. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Runs a command from a message, if it is one. */
  async onMessage(roomId: string, event: RoomEvent): Promise<void> {
    const { body, msgtype } = event.content;
    // Notices are what bots send: answering them could start two bots talking forever.
    if (typeof body !== 'string' || msgtype === 'm.notice') return;
    const command = parseCommand(body);
    if (!command) return;
    const log = this.log.child({ roomId, sender: event.sender, eventId: event.event_id });
    const level = await this.levelOf(roomId, event.sender);
    if (level === undefined) return;
    if (level < this.deps.requiredLevel) {
      log.info({ command: command.kind, level, required: this.deps.requiredLevel }, 'command refused: power level too low');
      if (this.shouldTellRefusal(roomId, event.sender)) {
        this.answer(roomId, event, `Sorry, commands need power level ${this.deps.requiredLevel} in this room (you have ${level}).`);
      }
      return;
    }
    const text = await runCommand(command, { roomId, sender: event.sender }, this.deps);
    log.info({ command: command.kind }, 'command run');
    this.answer(roomId, event, text);
  }

  /** Acknowledges the incident of the message a 👍 or ✅ was put on. */
  async onReaction(roomId: string, event: RoomEvent): Promise<void> {
    const relation = event.content['m.relates_to'] as { rel_type?: unknown; event_id?: unknown; key?: unknown } | undefined;
    if (relation?.rel_type !== 'm.annotation' || typeof relation.event_id !== 'string' || typeof relation.key !== 'string') return;
    if (!ACK_REACTIONS.has(normaliseReactionKey(relation.key))) return;
    const level = await this.levelOf(roomId, event.sender);
    if (level === undefined) return;
    const log = this.log.child({ roomId, sender: event.sender, reactedTo: relation.event_id });
    if (level < this.deps.requiredLevel) {
      log.debug({ level, required: this.deps.requiredLevel }, 'reaction ignored: power level too low to acknowledge');
      return;
    }
    const outcome = await this.deps.acknowledger.ackEvent(roomId, relation.event_id, event.sender, event.event_id);
    log.info({ outcome: outcome.result }, 'acknowledgement by reaction');
  }

  /**
   * A reaction taken back: the acknowledgement it gave goes, unless another holds it. No power check: the homeserver
   * let the redaction through (its sender's own reaction, or a moderator's act).
   */
  async onRedaction(roomId: string, event: RoomEvent & { redacts: string }): Promise<void> {
    const outcome = await this.deps.acknowledger.withdrawReaction?.(roomId, event.redacts, event.sender);
    if (outcome === undefined || outcome.result === 'none') return;
    this.log.info({ roomId, sender: event.sender, redacts: event.redacts, outcome: outcome.result }, 'acknowledging reaction taken back');
  }

  private queue(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((error: unknown) => {
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'acting on a room event failed; going on with the next one');
    });
    return this.chain;
  }

  /** The sender's level, or undefined (logged) when the room's power levels cannot be read: nothing is done then. */
  private async levelOf(roomId: string, userId: string): Promise<number | undefined> {
    try {
      return await this.deps.power.level(roomId, userId);
    } catch (error) {
      this.log.warn({ roomId, sender: userId, err: error instanceof Error ? error.message : String(error) },
        'cannot read the room\'s power levels; the command or reaction is ignored');
      return undefined;
    }
  }

  private shouldTellRefusal(roomId: string, sender: string): boolean {
    const key = `${roomId}|${sender}`;
    const now = this.deps.now();
    const last = this.refused.get(key);
    if (last !== undefined && now - last < REFUSAL_QUIET_MS) return false;
    this.refused.set(key, now);
    return true;
  }

  /** Queues the reply; keyed by the command's event id, so a command seen twice is answered once. */
  private answer(roomId: string, command: RoomEvent, text: string): void {
    const [row] = this.deps.outbox.enqueue([{
      roomId, eventType: 'm.room.message', content: noticeReply(command, text), dedupeKey: `command:${command.event_id}`,
    }]);
    this.log.debug({ roomId, row: row?.id }, 'answer queued');
    this.deps.wake(roomId);
  }
}
