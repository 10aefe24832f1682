// Acknowledging incidents from the room (a 👍 on an alert, `!vigie ack <monitor>`): resends stop, the thread says who.
import type { Outbox } from '../delivery/outbox.js';
import type { Acknowledger, AckOutcome, OpenIncidentView } from '../room/acknowledger.js';
import { nameOfKey, sourceOfKey } from './policy.js';
import { threadReply } from './relations.js';
import type { Incident, IncidentStore } from './store.js';

/** What acknowledging reads and writes. */
export interface AcknowledgerDeps {
  store: IncidentStore;
  outbox: Pick<Outbox, 'inThreadsByEventId' | 'enqueue'>;
  /** A configured room reference (id or alias) as a room id, to compare with the room an action came from. */
  resolveRoom(ref: string): Promise<string>;
  /** Told which room got the thread note, once it is queued. */
  onQueued(roomRef: string): void;
}

/** The incident store as the room's Acknowledger. */
export function incidentAcknowledger(deps: AcknowledgerDeps): Acknowledger {
  const inRoom = async (incident: Incident, roomId: string) => incident.roomId === roomId || (await deps.resolveRoom(incident.roomId).catch(() => '')) === roomId;

  /** Acknowledges by a reaction (its event id, kept so taking it back can withdraw it) or, without one, by a command. */
  function acknowledge(incidents: Incident[], by: string, reactionId?: string): AckOutcome {
    if (incidents.length === 0) return { result: 'none' };
    if (reactionId !== undefined) for (const i of incidents) deps.store.addAckReaction(i.id, reactionId, by);
    const fresh = incidents.filter((i) => i.ackedBy === null && deps.store.ack(i.id, by, Date.now(), reactionId === undefined));
    if (fresh.length === 0) return { result: 'already', by: incidents[0]!.ackedBy ?? by };
    note(fresh, (names) => `👍 Acknowledged by ${by}: no more reminders for ${names}`);
    return { result: 'acked', monitors: fresh.map((i) => nameOfKey(i.key)) };
  }

  /** Queues one note per thread (a grouped message is the root of several incidents) naming its incidents' monitors. */
  function note(incidents: Incident[], text: (names: string) => string): void {
    for (const [rootRowId, group] of groupBy(incidents, (i) => i.rootRowId)) {
      const names = group.map((i) => nameOfKey(i.key)).join(', ');
      deps.outbox.enqueue([{
        roomId: group[0]!.roomId, eventType: 'm.room.message', kind: 'reply', relatesToRow: rootRowId, incidentId: group[0]!.id,
        content: threadReply({ msgtype: 'm.notice', body: text(names), 'm.mentions': {} }),
      }]);
      deps.onQueued(group[0]!.roomId);
    }
  }

  return {
    async openIn(roomId) {
      const here: OpenIncidentView[] = [];
      for (const incident of deps.store.openAll()) {
        if (!(await inRoom(incident, roomId))) continue;
        here.push({ monitor: nameOfKey(incident.key), source: sourceOfKey(incident.key), startedAt: incident.startedAt, ackedBy: incident.ackedBy });
      }
      return here;
    },
    async ackMonitor(roomId, monitor, by) {
      const wanted = monitor.trim().toLowerCase();
      const candidates: Incident[] = [];
      for (const incident of deps.store.openAll()) {
        if (nameOfKey(incident.key).toLowerCase() === wanted && (await inRoom(incident, roomId))) candidates.push(incident);
      }
      return acknowledge(candidates, by);
    },
    async withdrawReaction(roomId, reactionId, by) {
      const outcomes = deps.store.withdrawAckReaction(reactionId);
      const here: Incident[] = [];
      for (const o of outcomes) if (o.result === 'withdrawn' && (await inRoom(o.incident, roomId))) here.push(o.incident);
      if (here.length === 0) return { result: outcomes.length > 0 ? 'kept' : 'none' };
      note(here, (names) => `↩️ ${by} took the acknowledgement back: reminders for ${names} resume`);
      return { result: 'withdrawn', monitors: here.map((i) => nameOfKey(i.key)) };
    },
    async ackEvent(roomId, eventId, by, reactionId) {
      // The message reacted to is an open incident's root or in its thread; anything else has nothing to acknowledge.
      const open = deps.store.openAll();
      const roots = new Set(open.map((i) => i.rootRowId));
      const row = deps.outbox.inThreadsByEventId(eventId, [...roots]);
      if (!row) return { result: 'none' };
      const rootRowId = roots.has(row.id) ? row.id : row.relatesToRow;
      const here: Incident[] = [];
      for (const incident of open) if (incident.rootRowId === rootRowId && (await inRoom(incident, roomId))) here.push(incident);
      return acknowledge(here, by, reactionId);
    },
  };
}

function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
