// Grouping: before a room's head row is sent, waiting rows of that room are merged, so an outage reads as one
// message instead of a flood. Runs as the deliverer's beforeSend step; renders, so it lives outside the deliverer.
import type { AlertEvent } from '../alert/event.js';
import { fallbackBody } from '../alert/dispatch.js';
import { GROUP_TEMPLATE_NAME } from '../alert/render/builtin.js';
import { MAX_TEXT_BYTES, textBytes, toMessageContent, type AlertMsgtype, type RenderedMessage } from '../alert/render/message.js';
import { TemplateError, type TemplateSet } from '../alert/render/templates.js';
import type { BeforeSend } from '../delivery/deliverer.js';
import type { CandidateRow, Outbox, QueuedRow } from '../delivery/outbox.js';
import type { Logger } from '../logging.js';
import { rootEditContent } from './plan.js';
import { threadReply, type MessageContent } from './relations.js';
import { unionMentions, withMentions } from '../room/mentions.js';
import type { IncidentStore } from './store.js';

/**
 * The most alerts one group message lists. A flood is folded a group at a time, the head's, before each send:
 * one 18,000-alert message would stall the process for seconds and be refused by the homeserver as too large.
 */
export const MAX_GROUP_ALERTS = 100;

/**
 * How far into a room's queue one fold looks: enough for a full group and the replies and edits near the head,
 * without reading (and parsing) a flood's whole backlog before every send. What lies beyond is folded later.
 */
const FOLD_WINDOW = 10 * MAX_GROUP_ALERTS;

/** What grouping works with; app.ts provides it. */
export interface GroupingDeps {
  outbox: Outbox;
  store: IncidentStore;
  templates: Pick<TemplateSet, 'renderGroup'>;
  logger: Logger;
}

/**
 * The deliverer's beforeSend, called once the room's head row is due and again before each retry of a held-back room:
 * merges the room's never-attempted rows that came with a grouping window — alerts into one group message,
 * replies to the same message into one reply — and keeps only the last edit of each message, re-made against what
 * that message finally is. As in Alertmanager, the first alert's window collects everything arriving during it.
 */
export function createGrouping(deps: GroupingDeps): BeforeSend {
  const log = deps.logger.child({ component: 'grouping' });
  return (roomId, { heldBack }) => {
    // The common case, a queue with nothing to fold, costs one indexed read and no transaction.
    if (deps.outbox.groupCandidates(roomId, 2).length < 2) return;
    deps.store.transaction(() => foldNow(roomId, heldBack));
  };

  function foldNow(roomId: string, heldBack: boolean): void {
    const candidates = deps.outbox.groupCandidates(roomId, FOLD_WINDOW);
    // Held back or not, only rows of routes that group: `groupWait: 0` means one message per alert, always.
    const waiting = candidates.filter((r) => r.hasEvent && windowed(r));
    // Only the rows a group can take are loaded whole (content and event): the first of each kind.
    const alerts = waiting.filter((r) => r.kind === 'alert' && r.relatesToRow === null).slice(0, MAX_GROUP_ALERTS);
    const replies = byRelated(waiting.filter((r) => r.kind === 'reply')).map((rows) => rows.slice(0, MAX_GROUP_ALERTS));
    const loaded = new Map(deps.outbox.byIds([...alerts, ...replies.flat()].map((r) => r.id)).map((row) => [row.id, row]));
    const whole = (rows: CandidateRow[]) => rows.flatMap((r) => {
      const row = loaded.get(r.id);
      return row && groupable(row) ? [row] : [];
    });
    const groupOf = new Map<number, number>();
    const merged = [...mergeRows(deps, whole(alerts), groupOf, log), ...replies.flatMap((rows) => mergeRows(deps, whole(rows), groupOf, log))];
    // Merging re-pointed the edits of merged rows at their group row: the same done here, without reading them again.
    const edits = candidates.filter((r) => r.kind === 'edit')
      .map((r) => ({ id: r.id, relatesToRow: r.relatesToRow === null ? null : groupOf.get(r.relatesToRow) ?? r.relatesToRow }));
    for (const rows of byRelated(edits)) settleEdits(deps, rows);
    if (merged.length > 0) log.info({ roomId, groups: merged.length, rows: merged.reduce((n, g) => n + g, 0), heldBack }, 'alerts grouped');
  }
}

/** A row grouping may fold: it has its event, and is not a test (send-test waits for that very row). */
function groupable(row: QueuedRow): row is QueuedRow & { event: AlertEvent } {
  return row.event !== null && row.event.status !== 'test';
}

/** Whether the row's route groups (groupWait 0 turns grouping off). */
function windowed(row: Pick<CandidateRow, 'notBefore' | 'createdAt'>): boolean {
  return row.notBefore > row.createdAt;
}

function byRelated<T extends { relatesToRow: number | null }>(rows: T[]): T[][] {
  const groups = new Map<number | null, T[]>();
  for (const row of rows) {
    const group = groups.get(row.relatesToRow);
    if (group) group.push(row);
    else groups.set(row.relatesToRow, [row]);
  }
  return [...groups.values()];
}

/**
 * Replaces the first rows of one kind (up to MAX_GROUP_ALERTS, fewer when their message would be too large) by one
 * group row, noting each folded row's group row in `groupOf`; returns [how many rows it folded], or [] when nothing.
 * Later rows are folded before later sends.
 */
function mergeRows(deps: GroupingDeps, all: QueuedRow[], groupOf: Map<number, number>, log: Logger): number[] {
  let rows = all.slice(0, MAX_GROUP_ALERTS);
  let rendered = renderGroup(deps, rows.map((r) => r.event!), log);
  // Halved until it fits whole: a group message is never cut (an alert cut off would be lost from it).
  while (rows.length >= 2 && textBytes(rendered) > MAX_TEXT_BYTES) {
    rows = rows.slice(0, Math.ceil(rows.length / 2));
    rendered = renderGroup(deps, rows.map((r) => r.event!), log);
  }
  if (rows.length < 2) return [];
  const first = rows[0]!;
  const msgtype = ((first.content as MessageContent).msgtype ?? 'm.text') as AlertMsgtype;
  // The group pings whoever its alerts' routes would have pinged.
  const plain = withMentions(toMessageContent(rendered, msgtype), unionMentions(rows.map((r) => r.content as Record<string, unknown>)));
  const content = first.kind === 'reply' ? threadReply(plain) : plain;
  // Replies to an alert merged a moment ago in this fold reply to its group row (as the outbox re-pointed them).
  const relatesToRow = first.relatesToRow === null ? undefined : groupOf.get(first.relatesToRow) ?? first.relatesToRow;
  const group = deps.outbox.replaceWithGroup({
    roomId: first.roomId, eventType: first.eventType, content, kind: first.kind, template: GROUP_TEMPLATE_NAME,
    relatesToRow, originals: rows.map((r) => r.id),
  });
  deps.store.moveRoots(rows.map((r) => r.id), group.id);
  for (const row of rows) groupOf.set(row.id, group.id);
  log.debug({ roomId: first.roomId, groupRow: group.id, rows: rows.map((r) => r.id) }, 'rows merged into a group row');
  return [rows.length];
}

// A group template that fails must not cost the alerts: one plain line per event.
function renderGroup(deps: GroupingDeps, events: AlertEvent[], log: Logger): RenderedMessage {
  try {
    const rendered = deps.templates.renderGroup(GROUP_TEMPLATE_NAME, events);
    if (rendered.body.trim() !== '') return rendered;
    log.warn({ events: events.length }, 'the group template rendered an empty message; sending one plain line per alert instead');
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    log.error({ events: events.length, err: error.message }, 'group template failed; sending one plain line per alert instead');
  }
  return { body: events.map(fallbackBody).join('\n') };
}

/** Edits of one message: the last one, re-made from what the message is now, stands for all of them. */
function settleEdits(deps: GroupingDeps, rows: Array<Pick<CandidateRow, 'id' | 'relatesToRow'>>): void {
  const last = rows.at(-1)!;
  deps.outbox.markMerged(rows.slice(0, -1).map((r) => r.id));
  const content = last.relatesToRow === null ? undefined : rootEditContent(deps, last.relatesToRow);
  if (content) deps.outbox.rewrite(last.id, content);
}
