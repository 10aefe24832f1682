// Sends outbox rows to Matrix: one worker per room, strictly in order, rooms in parallel; waits, parks, resumes.
import { EventEmitter } from 'node:events';
import type { Logger } from '../logging.js';
import { MatrixError } from '../matrix/errors.js';
import type { Outbox, OutboxRow, QueuedRow } from './outbox.js';
import { Parking, type ParkedRoom } from './parking.js';
import { fillRelation } from './relate.js';
import {
  DEFAULT_RETRY_POLICY, backoffMs, decideRetry, describeFailure, errcodeOf, mayHaveArrived,
  type RetryDecision, type RetryKind, type RetryPolicy,
} from './retry-policy.js';
import type { EventSender } from './sender.js';
import { Sleeps } from './sleeps.js';

/** What a Deliverer works with; the numbers have Vigie's defaults. */
export interface DelivererOptions {
  outbox: Outbox;
  sender: EventSender;
  logger: Logger;
  /** Longest wait between two attempts after server or network failures; default 5 min. */
  maxBackoffMs?: number;
  /** How often a parked room is probed by retrying its oldest alert; default 5 min. */
  parkedRetryMs?: number;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
  /** Called before each send of a room's head row (grouping merges waiting rows there); default none. */
  beforeSend?: BeforeSend;
}

/**
 * A synchronous step before a room's head row is sent (and again before each retry). `heldBack` says the room was
 * kept waiting (a failed attempt, a rate limit, a park), so everything waiting may be merged, not only what is due.
 */
export type BeforeSend = (roomId: string, context: { heldBack: boolean }) => void;

/** The events a Deliverer emits, for metrics and commands such as send-test. */
export interface DelivererEvents {
  /** The homeserver accepted a row; latencyMs counts from enqueue. */
  sent: [{ row: OutboxRow; eventId: string; latencyMs: number }];
  /** A row will be retried after delayMs. */
  retry: [{ row: OutboxRow; kind: RetryKind; delayMs: number }];
  /** A room (scope 'room') or every room (scope 'all') stopped sending until a person acts or a probe succeeds. */
  parked: [{ roomId: string; scope: 'room' | 'all'; errcode: string; reason: string; pending: number }];
  /** A parked room (or every room) delivers again. */
  resumed: [{ roomId: string; scope: 'room' | 'all'; parkedMs: number }];
  /** A row the homeserver will never accept was set aside. */
  rejected: [{ row: OutboxRow; reason: string }];
}

/**
 * How long sent marks may wait in the outbox's memory before they are written: long enough to write many in one
 * transaction when messages flow, short enough that the database soon says what the homeserver holds.
 */
const MARK_WRITE_DELAY_MS = 50;

/**
 * Sent marks written together once this many wait, right after the next send has gone out (so that the write
 * overlaps the homeserver's work on it). Measured per row (head and mark): 29 µs in transactions of 32 marks, 21 µs
 * of 128, 20 µs of 512; each mark dirties a page of the event-id index at random, written once per transaction.
 */
const MARK_BATCH = 128;

/**
 * A message whose delivery has been in doubt this long is looked for in the room before it is sent again: Synapse
 * remembers a txnId for 24 hours, after which the same txnId would post it a second time.
 */
export const TXN_MEMORY_MS = 23 * 60 * 60 * 1000;

/** A room's worker; its signal, shared by all its sends, is aborted only by stop(). */
interface Worker { done: Promise<void>; controller: AbortController }
interface RoomState { failures: number; heldBack: boolean }
type Outcome = { ok: true; eventId: string } | { ok: false; error: unknown; aborted: boolean };

/** Delivers the outbox: start() after a restart, wake(room) after each enqueue, stop() on shutdown. */
export class Deliverer extends EventEmitter<DelivererEvents> {
  private readonly outbox: Outbox;
  private readonly sender: EventSender;
  private readonly log: Logger;
  private readonly policy: RetryPolicy;
  private readonly beforeSend: BeforeSend | undefined;
  private readonly workers = new Map<string, Worker>();
  /** Per room, how to end its send in flight at once (stop() does, after the grace period). */
  private readonly inFlight = new Map<string, (reason: Error) => void>();
  private readonly sleeps = new Sleeps();
  private readonly parking = new Parking();
  private idleWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** Synapse limits messages per user, not per room: one 429 holds back every room until this instant. */
  private rateLimitedUntil = 0;
  private stopping = false;
  private markWrite: NodeJS.Timeout | undefined;
  private markWriteNow: NodeJS.Immediate | undefined;

  constructor({ outbox, sender, logger, maxBackoffMs = 300_000, parkedRetryMs = 300_000, random = Math.random, beforeSend }: DelivererOptions) {
    super();
    this.beforeSend = beforeSend;
    this.outbox = outbox;
    this.sender = sender;
    this.log = logger.child({ component: 'deliverer' });
    this.policy = { ...DEFAULT_RETRY_POLICY, maxBackoffMs, parkedRetryMs, random };
  }

  /** Starts a worker for every room with pending rows: what was queued before a restart or a crash goes out now. */
  start(): void {
    const rooms = this.outbox.pendingRooms();
    if (rooms.length > 0) this.log.info({ rooms: rooms.length, pending: this.outbox.depth().total }, 'resuming delivery of queued alerts');
    for (const roomId of rooms) this.wake(roomId);
  }

  /** Call after enqueue: starts the room's worker if it is idle (a busy one picks new rows up by itself). */
  wake(roomId: string): void {
    if (this.stopping || this.workers.has(roomId)) return;
    const worker: Worker = { done: Promise.resolve(), controller: new AbortController() };
    this.workers.set(roomId, worker);
    worker.done = this.runRoom(roomId, worker);
  }

  /** Stops taking rows, lets sends in flight finish within graceMs, then aborts them (their rows stay pending). */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.sleeps.cancelAll();
      this.parking.releaseAll();
      await this.drain(graceMs);
    }
    await Promise.all([...this.workers.values()].map((w) => w.done));
    clearTimeout(this.markWrite);
    clearImmediate(this.markWriteNow);
    this.markWrite = undefined;
    this.markWriteNow = undefined;
    this.writeMarks();
    this.settleIdleWaiters();
  }

  /** Rooms that wait for a person (or a successful probe), with the reason to show. */
  parked(): ParkedRoom[] {
    return this.parking.any() ? this.parking.list(this.outbox.pendingRooms()) : [];
  }

  /** Resolves once no row is pending and nothing is in flight; rejects if stop() comes first with rows left. */
  whenIdle(): Promise<void> {
    if (this.idleNow()) return Promise.resolve();
    if (this.stopping && this.workers.size === 0) return Promise.reject(this.stoppedError());
    return new Promise((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
  }

  private async runRoom(roomId: string, worker: Worker): Promise<void> {
    const state: RoomState = { failures: 0, heldBack: false };
    try {
      while (!this.stopping) {
        try {
          if (this.heldBack(roomId) && !(await this.ready(roomId, state))) return;
          // head() and the return below run in one synchronous step, so a wake() cannot slip between them.
          const next = this.nextRow(roomId, state);
          if (!next) return;
          if ('waitMs' in next) {
            await this.sleeps.sleep(next.waitMs, true);
            continue;
          }
          await this.deliver(next.row, state, worker.controller.signal);
        } catch (err) {
          state.failures += 1;
          const delayMs = backoffMs(state.failures, this.policy);
          this.log.error({ err, roomId, delayMs }, 'delivery failed unexpectedly (a bug, or the database cannot be written); retrying');
          await this.sleeps.sleep(delayMs, true);
        }
      }
    } finally {
      if (this.workers.get(roomId) === worker) this.workers.delete(roomId);
      // A prober leaving without a verdict must not strand the rooms waiting for it.
      if (this.parking.accountProber() === roomId) this.parking.liftAccount();
      this.checkIdle();
    }
  }

  /** Whether something may hold this room back (so that the usual case costs no await). */
  private heldBack(roomId: string): boolean {
    const prober = this.parking.accountProber();
    return (prober !== undefined && prober !== roomId) || this.rateLimitedUntil > Date.now();
  }

  /** Waits until this room may send: not behind the account gate, not rate-limited. False when stopping. */
  private async ready(roomId: string, state: RoomState): Promise<boolean> {
    for (;;) {
      if (this.stopping) return false;
      const prober = this.parking.accountProber();
      if (prober !== undefined && prober !== roomId) {
        state.heldBack = true;
        await this.parking.accountLifted();
        continue;
      }
      const waitMs = this.rateLimitedUntil - Date.now();
      if (waitMs <= 0) return true;
      state.heldBack = true;
      await this.sleeps.sleep(waitMs, true);
    }
  }

  /**
   * The row to send now (the head after the beforeSend step), or how long to wait for the head's notBefore (a
   * grouping window; only stop() cuts it short), or undefined when the room is empty. Synchronous, so a wake()
   * cannot slip between an empty head and the worker's exit.
   */
  private nextRow(roomId: string, state: RoomState): { row: QueuedRow } | { waitMs: number } | undefined {
    const head = this.outbox.head(roomId);
    if (!head) return undefined;
    const waitMs = head.notBefore - Date.now();
    if (waitMs > 0) return { waitMs };
    if (!this.beforeSend) return { row: head };
    this.beforeSend(roomId, { heldBack: state.heldBack || head.attempts > 0 });
    const row = this.outbox.head(roomId);
    return row ? { row } : undefined;
  }

  /** The row's content, its relation filled from the related row (sent first: same room, earlier in the queue). */
  private contentOf(row: QueuedRow): object {
    if (row.relatesToRow === null) return row.content;
    const related = this.outbox.get(row.relatesToRow);
    if (related?.state !== 'sent') {
      this.log.warn({ roomId: row.roomId, rowId: row.id, relatedRow: row.relatesToRow, relatedState: related?.state ?? 'pruned' },
        'the message this one relates to was never posted: sending it as a plain message');
    }
    return fillRelation(row.content, related?.eventId);
  }

  private async deliver(row: QueuedRow, state: RoomState, signal: AbortSignal): Promise<void> {
    const inDoubt = row.doubtSince !== null && Date.now() - row.doubtSince > TXN_MEMORY_MS && this.sender.findSent !== undefined;
    const sending = inDoubt ? this.findOrAttempt(row, row.doubtSince!, signal) : this.attempt(row, signal);
    // Once the request is out, the next rows are read while the homeserver works (in time for the next head()).
    if (this.outbox.readAheadRunsLow(row.roomId)) setImmediate(() => this.readAhead(row.roomId));
    const outcome = await sending;
    if (outcome.ok) return this.onSent(row, outcome.eventId, state);
    // Aborted by stop(): the row stays pending and keeps its txnId, so the next start re-sends it safely.
    if (outcome.aborted) return;
    const depth = this.outbox.depth();
    const context = { roomId: row.roomId, pendingInRoom: depth.byRoom[row.roomId] ?? 0, pendingTotal: depth.total };
    const decision = decideRetry(outcome.error, state.failures + 1, this.policy, context);
    if (provesTokenWorks(decision)) this.resumeAccount(row.roomId);
    const failure = describeFailure(outcome.error);
    switch (decision.action) {
      case 'retry': return this.onRetry(row, decision, failure, outcome.error, state);
      case 'reject': return this.onReject(row, decision.reason, errcodeOf(outcome.error), state);
      case 'park': {
        const pending = decision.scope === 'all' ? context.pendingTotal : context.pendingInRoom;
        return this.onPark(row, decision, failure, errcodeOf(outcome.error), pending, state);
      }
    }
  }

  /** The event already in the room for the row's txnId, else a send; a lookup the server refuses (4xx) is skipped. */
  private async findOrAttempt(row: QueuedRow, doubtSince: number, signal: AbortSignal): Promise<Outcome> {
    try {
      const eventId = await this.sender.findSent!(row.roomId, row.txnId, doubtSince, signal);
      if (eventId !== undefined) {
        this.log.info({ roomId: row.roomId, rowId: row.id, eventId }, 'an earlier attempt had reached the room: not sent again');
        return { ok: true, eventId };
      }
    } catch (error) {
      if (!(error instanceof MatrixError && error.isPermanent)) return { ok: false, error, aborted: signal.aborted };
      this.log.warn({ roomId: row.roomId, rowId: row.id, err: describeFailure(error) },
        'cannot look in the room for an earlier attempt of this message (the homeserver refused); sending it again, which may show it twice');
    }
    return this.attempt(row, signal);
  }

  private attempt(row: QueuedRow, signal: AbortSignal): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const settle = (outcome: Outcome): void => {
        this.inFlight.delete(row.roomId);
        resolve(outcome);
      };
      // Settled by stop() too, so a sender that ignores its signal cannot hold stop() past the grace period.
      this.inFlight.set(row.roomId, (reason) => settle({ ok: false, error: reason, aborted: true }));
      try {
        this.sender.sendEvent(row.roomId, row.eventType, row.txnId, this.contentOf(row), signal).then(
          ({ eventId }) => settle({ ok: true, eventId }),
          (error: unknown) => settle({ ok: false, error, aborted: signal.aborted }),
        );
      } catch (error) {
        settle({ ok: false, error, aborted: false });
      }
    });
  }

  private onSent(row: OutboxRow, eventId: string, state: RoomState): void {
    const sentAt = Date.now();
    this.outbox.markSent(row.id, eventId);
    this.scheduleMarkWrite();
    state.failures = 0;
    state.heldBack = false;
    const latencyMs = sentAt - row.createdAt;
    this.log.info({ roomId: row.roomId, rowId: row.id, eventId, latencyMs, attempts: row.attempts + 1 }, 'alert delivered');
    this.resumeAccount(row.roomId);
    const park = this.parking.liftRoom(row.roomId);
    if (park) this.announceResumed(row.roomId, 'room', park.since);
    // The row as markSent left it, without reading it back on the hot path; field by field, as an object spread here
    // left every delivered row for the scavenges to copy.
    const sent: OutboxRow = {
      id: row.id, roomId: row.roomId, eventType: row.eventType, content: row.content, txnId: row.txnId, dedupeKey: row.dedupeKey,
      state: 'sent', attempts: row.attempts + 1, nextAttemptAt: row.nextAttemptAt, lastError: null, eventId,
      createdAt: row.createdAt, sentAt,
    };
    this.emit('sent', { row: sent, eventId, latencyMs });
    this.checkIdle();
  }

  private async onRetry(row: OutboxRow, decision: RetryDecision & { action: 'retry' }, failure: string, error: unknown, state: RoomState): Promise<void> {
    const { kind, delayMs } = decision;
    if (kind === 'rate-limit') this.rateLimitedUntil = Math.max(this.rateLimitedUntil, Date.now() + delayMs);
    else state.failures += 1;
    const now = Date.now();
    this.outbox.recordAttempt(row.id, failure, now + delayMs, mayHaveArrived(error) ? now : undefined);
    const fields = { roomId: row.roomId, rowId: row.id, kind, delayMs, attempt: row.attempts + 1, error: failure };
    if (kind === 'bug') this.log.error({ ...fields, err: error }, 'sending failed with an unexpected error (a bug); retrying with backoff');
    else if (kind === 'rate-limit') this.log.debug(fields, 'rate-limited by the homeserver; waiting as asked');
    else this.log.warn(fields, 'sending failed; retrying');
    this.emit('retry', { row, kind, delayMs });
    await this.sleeps.sleep(delayMs, true);
  }

  private onReject(row: OutboxRow, reason: string, errcode: string, state: RoomState): void {
    this.outbox.markRejected(row.id, reason);
    state.failures = 0;
    this.log.error({ roomId: row.roomId, rowId: row.id, errcode }, reason);
    this.emit('rejected', { row: this.outbox.get(row.id) ?? row, reason });
    this.checkIdle();
  }

  private async onPark(
    row: OutboxRow, decision: RetryDecision & { action: 'park' }, failure: string, errcode: string, pending: number, state: RoomState,
  ): Promise<void> {
    const { scope, reason } = decision;
    this.outbox.recordAttempt(row.id, failure, Date.now() + this.policy.parkedRetryMs);
    state.failures = 0;
    if (this.parking.park(scope, { roomId: row.roomId, errcode, reason, since: Date.now() })) {
      this.log.warn({ roomId: row.roomId, scope, errcode, pending }, reason);
      this.emit('parked', { roomId: row.roomId, scope, errcode, reason, pending });
    } else {
      this.log.debug({ roomId: row.roomId, scope, errcode }, 'still parked');
    }
    // Under an account park only the first room probes; this one waits at the gate in ready().
    if (scope === 'all' && this.parking.accountProber() !== row.roomId) return;
    // Unref'd: a parked room waits for a person, which is no reason to keep a finished process alive.
    await this.sleeps.sleep(this.policy.parkedRetryMs, false);
  }

  /** The token works again (this room got past authentication): every room may send. */
  private resumeAccount(roomId: string): void {
    if (this.parking.accountProber() !== roomId) return;
    const park = this.parking.liftAccount();
    if (park) this.announceResumed(roomId, 'all', park.since);
  }

  private announceResumed(roomId: string, scope: 'room' | 'all', since: number): void {
    const parkedMs = Date.now() - since;
    this.log.info({ roomId, scope, parkedMs }, 'delivery resumed');
    this.emit('resumed', { roomId, scope, parkedMs });
  }

  private readAhead(roomId: string): void {
    if (this.stopping) return;
    try {
      this.outbox.readAheadOf(roomId);
    } catch (err) {
      this.log.warn({ err, roomId }, 'could not read the next queued alerts ahead; they are read when their turn comes');
    }
  }

  /** Writes the outbox's sent marks MARK_WRITE_DELAY_MS after a send, or at the next turn once MARK_BATCH wait. */
  private scheduleMarkWrite(): void {
    this.markWrite ??= setTimeout(() => {
      this.markWrite = undefined;
      this.writeMarks();
    }, MARK_WRITE_DELAY_MS);
    if (this.outbox.unwrittenMarks() < MARK_BATCH) return;
    this.markWriteNow ??= setImmediate(() => {
      this.markWriteNow = undefined;
      this.writeMarks();
    });
  }

  /** Writes the sent marks the outbox keeps in memory; on failure they stay there, for its next read or write. */
  private writeMarks(): void {
    try {
      this.outbox.flush();
    } catch (err) {
      this.log.error({ err }, 'could not mark delivered alerts as sent in the database; trying again at its next use');
    }
  }

  /** Waits up to graceMs for the sends in flight, then aborts the rest. */
  private async drain(graceMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); });
    await Promise.race([Promise.all([...this.workers.values()].map((w) => w.done)), graceOver]);
    clearTimeout(timer);
    if (this.inFlight.size === 0) return;
    this.log.warn({ inFlight: this.inFlight.size, graceMs }, 'stopping: aborting sends still in flight; their alerts stay queued and are re-sent with the same txnId on the next start');
    const reason = new Error('Vigie is stopping');
    for (const worker of this.workers.values()) worker.controller.abort(reason);
    for (const abort of [...this.inFlight.values()]) abort(reason);
  }

  private idleNow(): boolean {
    return this.inFlight.size === 0 && !this.outbox.hasPending();
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.idleNow()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    if (waiters.length === 0) return;
    const idle = this.idleNow();
    for (const waiter of waiters) {
      if (idle) waiter.resolve();
      else waiter.reject(this.stoppedError());
    }
  }

  private stoppedError(): Error {
    return new Error(`the deliverer stopped with ${this.outbox.depth().total} alert(s) still queued; they will be sent on the next start`);
  }
}

/** Outcomes that only come after the homeserver accepted the token: a rate limit, a room or message verdict. */
function provesTokenWorks(decision: RetryDecision): boolean {
  if (decision.action === 'retry') return decision.kind === 'rate-limit';
  return decision.action === 'reject' || decision.scope === 'room';
}
