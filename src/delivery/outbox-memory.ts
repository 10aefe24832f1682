// What the Outbox keeps in memory between its reads and writes: queue heads read ahead, sent marks not yet written.
import type { QueuedRow } from './outbox.js';

/** A queue position: `coalesce(seq, id)` and id, the order of a room's queue. */
export interface QueuePosition {
  pos: number;
  id: number;
}

/** The rows of one read, and the position of the last one (undefined when there were none). */
export interface HeadRead {
  rows: QueuedRow[];
  last: QueuePosition | undefined;
}

interface RoomAhead {
  rows: QueuedRow[];
  /** The last row read: the next read starts after it. */
  last: QueuePosition;
}

/**
 * Per room, its next pending rows, read in one query and handed out one by one. Valid while the queue only changes
 * at its end (enqueue) and at its head (a sent row taken out); any other change must forget() them all.
 */
export class ReadAhead {
  private readonly rooms = new Map<string, RoomAhead>();
  private readonly roomOf = new Map<number, RoomAhead>();

  /** Whether the room's rows are read ahead (else its next read starts at the head of its queue). */
  has(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** The room's first row: from memory, else from `read` (rows after a position); undefined when the room is empty. */
  head(roomId: string, read: (after: QueuePosition) => HeadRead): QueuedRow | undefined {
    let room = this.rooms.get(roomId);
    if (room === undefined) {
      room = { rows: [], last: { pos: 0, id: 0 } };
      this.rooms.set(roomId, room);
    }
    if (room.rows.length === 0 && !this.fill(roomId, room, read)) return undefined;
    return room.rows[0];
  }

  /** Whether the room is read ahead with at most its head left in memory. */
  runsLow(roomId: string): boolean {
    const room = this.rooms.get(roomId);
    return room !== undefined && room.rows.length <= 1;
  }

  /** Reads the room's next rows now if it runs low (nothing for a room not read ahead). */
  refill(roomId: string, read: (after: QueuePosition) => HeadRead): void {
    if (this.runsLow(roomId)) this.fill(roomId, this.rooms.get(roomId)!, read);
  }

  /** Takes a row out (the homeserver accepted it); false when it is not read ahead. */
  take(id: number): boolean {
    const room = this.roomOf.get(id);
    if (room === undefined) return false;
    if (room.rows[0]?.id === id) room.rows.shift();
    else room.rows.splice(room.rows.findIndex((r) => r.id === id), 1);
    this.roomOf.delete(id);
    return true;
  }

  /** After a change that may reorder a queue or alter queued rows: every next head() reads from the database. */
  forget(): void {
    this.rooms.clear();
    this.roomOf.clear();
  }

  private fill(roomId: string, room: RoomAhead, read: (after: QueuePosition) => HeadRead): boolean {
    const { rows, last } = read(room.last);
    if (last === undefined) {
      if (room.rows.length === 0) this.rooms.delete(roomId);
      return false;
    }
    room.last = last;
    for (const row of rows) {
      room.rows.push(row);
      this.roomOf.set(row.id, room);
    }
    return true;
  }
}

/** A row the homeserver accepted, not yet marked so on disk. */
interface SentMark {
  id: number;
  eventId: string;
  sentAt: number;
  /** Already written once, inside a caller's transaction (which may have rolled back since). */
  written: boolean;
}

/** Sent marks waiting to be written; `write` runs the UPDATE of one and returns how many rows it changed. */
export class SentMarks {
  private marks: SentMark[] = [];

  constructor(private readonly write: (id: number, eventId: string, sentAt: number) => number) {}

  get size(): number {
    return this.marks.length;
  }

  add(id: number, eventId: string, sentAt: number): void {
    this.marks.push({ id, eventId, sentAt, written: false });
  }

  /**
   * Writes the marks not written yet, or all of them (`again`: a mark written before in a transaction that committed
   * changes nothing the second time). A row no longer pending when first marked is a bug: its mark is dropped.
   */
  apply(again: boolean): void {
    const lost: number[] = [];
    for (const mark of this.marks) {
      if (mark.written && !again) continue;
      if (this.write(mark.id, mark.eventId, mark.sentAt) !== 1 && !mark.written) lost.push(mark.id);
      mark.written = true;
    }
    if (lost.length === 0) return;
    this.marks = this.marks.filter((m) => !lost.includes(m.id));
    throw new Error(`outbox rows ${lost.join(', ')}: sent, but no longer pending when marked so (a bug in Vigie)`);
  }

  /** Forgets every mark: call once a transaction of the Outbox's own has written them all. */
  clear(): void {
    this.marks = [];
  }
}
