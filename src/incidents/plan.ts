// Turns one routed, rendered event into the outbox rows of one room: a plain alert, an incident's root, a reply in
// its thread, an edit of its root; and keeps the incident up to date, in the caller's transaction.
import type { AlertEvent } from '../alert/event.js';
import type { Outbox, OutboxMessage, QueuedRow } from '../delivery/outbox.js';
import { decide, DEFAULT_GROUP_WAIT_MS, DEFAULT_INCIDENT_MODE, incidentKey, nameOfKey, resolvedLine, type IncidentMode } from './policy.js';
import { replaceRoot, threadReply, withFirstLine, type MessageContent } from './relations.js';
import type { Incident, IncidentStore } from './store.js';

/** What planning reads and writes. */
export interface PlanDeps {
  outbox: Pick<Outbox, 'enqueue' | 'get' | 'settle'>;
  store: IncidentStore;
  /** The clock for grouping windows; default Date.now. */
  now?: () => number;
}

/** One event for one room, rendered with the route's template. */
export interface RoomPlan {
  event: AlertEvent;
  roomId: string;
  content: MessageContent;
  template: string;
  /** The route's options; absent ones take their defaults. */
  incidents?: IncidentMode;
  groupWait?: number;
  /** This room's dedupe key, when the source gave one. */
  dedupeKey?: string;
  /** `event` as JSON, when the caller already has it. */
  eventJson?: string;
}

/** Queues what the event means for the room and updates its incident; returns the rows (none for a silenced resend). */
export function planRoom(deps: PlanDeps, plan: RoomPlan): QueuedRow[] {
  const { event, roomId, content, template, dedupeKey } = plan;
  const key = incidentKey(event);
  const mode = plan.incidents ?? DEFAULT_INCIDENT_MODE;
  // Without incidents (or a monitor's name) there is none to look up: a query less per alert.
  const open = mode === 'off' || event.name === '' ? undefined : deps.store.open(key, roomId);
  const action = decide(event, mode, open);
  // A test goes out at once: it checks the path to the room, and send-test waits for its very row.
  const notBefore = (deps.now ?? Date.now)() + (event.status === 'test' ? 0 : plan.groupWait ?? DEFAULT_GROUP_WAIT_MS);
  // Each message built field by field: object spreads on this path left every alert for the scavenges to copy.
  const message = (kind: OutboxMessage['kind'], body: object, related?: { rootRowId: number; id: number }, key = dedupeKey): OutboxMessage => ({
    roomId, eventType: 'm.room.message', event, eventJson: plan.eventJson, template, notBefore, content: body, kind, dedupeKey: key,
    relatesToRow: related?.rootRowId, incidentId: related?.id,
  });
  const alert = message('alert', content);
  switch (action.type) {
    case 'plain':
      return deps.outbox.enqueue([alert]);
    case 'silent':
      return [];
    case 'reopen':
      // Its recovery was never told (the root keeps its DOWN text): closed when the next outage shows it ended.
      deps.store.resolve(action.incident.id, event.time.getTime());
    // falls through: the DOWN opens the new incident
    case 'open': {
      const rows = deps.outbox.enqueue([alert]);
      deps.store.start(key, roomId, rows[0]!.id, event.time.getTime());
      return rows;
    }
    case 'resend': {
      if (!action.inThread) return deps.outbox.enqueue([alert]);
      return deps.outbox.enqueue([message('reply', threadReply(content), action.incident)]);
    }
    case 'resolve': {
      const { id, rootRowId } = action.incident;
      deps.store.resolve(id, event.time.getTime());
      // Over before its first message left (still in its grouping window): that message says so itself.
      const settled = action.edit ? settleUnsentRoot(deps, rootRowId) : undefined;
      if (settled) return [settled];
      const messages: OutboxMessage[] = [];
      if (action.reply) messages.push(message('reply', threadReply(content), action.incident));
      const edit = action.edit ? rootEditContent(deps, rootRowId) : undefined;
      if (edit) messages.push(message('edit', edit, action.incident, dedupeKey === undefined ? undefined : `${dedupeKey}:edit`));
      // Edit-only and the root is gone (pruned): the recovery still reaches the room, as a plain alert.
      return deps.outbox.enqueue(messages.length > 0 ? messages : [alert]);
    }
  }
}

/**
 * The edit of a root row that reads resolved: its text under a line saying which of its incidents are resolved and
 * after how long (cumulative, so the last edit of a group root is right). Undefined when the row is gone or none is.
 */
export function rootEditContent(deps: Pick<PlanDeps, 'outbox' | 'store'>, rootRowId: number): MessageContent | undefined {
  const root = deps.outbox.get(rootRowId);
  const resolved = root && resolvedRoot(root, deps.store.byRoot(rootRowId));
  return resolved && replaceRoot(resolved);
}

/** A root's text under the line saying which of its incidents are resolved; undefined when none is. */
function resolvedRoot(root: QueuedRow, incidents: readonly Incident[]): MessageContent | undefined {
  const line = resolvedLine(incidents.map((i) => ({ name: nameOfKey(i.key), startedAt: i.startedAt, resolvedAt: i.resolvedAt })));
  return line === undefined ? undefined : withFirstLine(root.content as MessageContent, line);
}

/**
 * A root not sent yet, still in its grouping window, whose one incident just ended: its text becomes the resolved
 * one, and it leaves grouping (a group would list the monitor DOWN). No reply and no edit follow: one message tells
 * the outage, where a group listing it DOWN, a reply and an edit saying "1 of 2 resolved" did. Undefined otherwise.
 */
function settleUnsentRoot(deps: PlanDeps, rootRowId: number): QueuedRow | undefined {
  const root = deps.outbox.get(rootRowId);
  const now = (deps.now ?? Date.now)();
  if (!root || root.state !== 'pending' || root.attempts > 0 || root.kind !== 'alert' || root.notBefore <= now) return undefined;
  const incidents = deps.store.byRoot(rootRowId);
  if (incidents.length !== 1) return undefined;
  const content = resolvedRoot(root, incidents);
  if (!content) return undefined;
  deps.outbox.settle(rootRowId, content);
  return deps.outbox.get(rootRowId);
}
