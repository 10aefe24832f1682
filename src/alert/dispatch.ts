// The alert pipeline's middle: an event is routed, rendered once per template, and queued durably per room.
import type { Logger } from '../logging.js';
import type { OutboxMessage, OutboxRow } from '../delivery/outbox.js';
import { planRoom, type PlanDeps } from '../incidents/plan.js';
import type { AlertEvent } from './event.js';
import type { AlertMsgtype } from './render/message.js';
import { toMessageContent } from './render/message.js';
import { TemplateError, type TemplateSet } from './render/templates.js';
import type { RenderedMessage } from './render/message.js';
import { route, type RouteRule, type RouteTarget } from './router.js';
import { withMentions } from '../room/mentions.js';

type RoomPlan = Parameters<typeof planRoom>[1];

/** What dispatching needs; app.ts provides it. */
export interface DispatchDeps {
  rules: readonly RouteRule[];
  /** Room short names → room ids or aliases, as configured. */
  rooms: Readonly<Record<string, string>>;
  templates: TemplateSet;
  msgtype: AlertMsgtype;
  outbox: { enqueue(messages: readonly OutboxMessage[]): OutboxRow[] };
  /** Told which rooms got new rows, after they are durably stored. */
  onQueued(rooms: readonly string[]): void;
  logger: Logger;
  /** Incidents and grouping (threads, edits, groupWait); without them every alert is queued as a plain message. */
  incidents?: PlanDeps & { outbox: { byDedupeKey(key: string): OutboxRow | undefined } };
}

/** Options of one dispatch. */
export interface DispatchOptions {
  /** A source's id for this event (e.g. Kuma's txnId): the same key is queued only once. */
  dedupeKey?: string;
  /** Use this template instead of the route's (a source's own template). */
  template?: string;
  /** Messages already rendered for this event, by template name (the render worker's); others are rendered here. */
  rendered?: ReadonlyMap<string, RenderedMessage>;
  /** The event as JSON (JSON.stringify), when the caller already has it. */
  eventJson?: string;
}

/** The template a route target's message is rendered with: the source's own, else the route's. */
export function templateOf(target: Pick<RouteTarget, 'template'>, options: DispatchOptions): string {
  return options.template ?? target.template;
}

/** Routes, renders and queues an event; returns the stored rows (empty when no route takes it). */
export type Dispatch = (event: AlertEvent, options?: DispatchOptions) => OutboxRow[];

/** Builds the dispatch function. Everything it stores is in the outbox before it returns. */
export function createDispatch(deps: DispatchDeps): Dispatch {
  const log = deps.logger.child({ component: 'dispatch' });

  // A template that fails at render time (a limit hit, an odd payload) must not cost the alert: send Kuma's line.
  function renderOrFallback(template: string, event: AlertEvent, prerendered: RenderedMessage | undefined): RenderedMessage {
    try {
      const rendered = prerendered ?? deps.templates.render(template, event);
      if (rendered.body.trim() !== '') return rendered;
      log.warn({ template, monitor: event.name }, 'the template rendered an empty message; sending the plain alert line instead');
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      log.error({ template, monitor: event.name, err: error.message }, 'template failed; sending the plain alert line instead');
    }
    return { body: fallbackBody(event) };
  }
  // With incidents, each room's rows and its incident change in one transaction; a known dedupeKey plans nothing again.
  function queue(plans: readonly RoomPlan[]): OutboxRow[] {
    const incidents = deps.incidents;
    if (!incidents) return deps.outbox.enqueue(plans.map(({ roomId, content, dedupeKey }) => ({ roomId, eventType: 'm.room.message', content, dedupeKey })));
    return incidents.store.transaction(() => plans.flatMap((plan) => {
      const known = plan.dedupeKey === undefined ? undefined : incidents.outbox.byDedupeKey(plan.dedupeKey);
      return known ? [known] : planRoom(incidents, plan);
    }));
  }
  return (event, options = {}) => {
    const targets = route(event, deps.rules);
    if (targets.length === 0) {
      log.warn({ monitor: event.name, source: event.source, status: event.status }, 'no route takes this alert; add a route for it');
      return [];
    }
    const plans: RoomPlan[] = [];
    for (const target of targets) {
      const template = templateOf(target, options);
      const rendered = renderOrFallback(template, event, options.rendered?.get(template));
      const content = withMentions(toMessageContent(rendered, deps.msgtype), target);
      for (const room of target.rooms) {
        const roomId = deps.rooms[room] ?? room;
        const dedupeKey = options.dedupeKey === undefined ? undefined : `${options.dedupeKey}:${roomId}`;
        plans.push({ event, roomId, content, template, incidents: target.incidents, groupWait: target.groupWait, dedupeKey, eventJson: options.eventJson });
      }
    }
    const rows = queue(plans);
    if (rows.length > 0) deps.onQueued([...new Set(rows.map((r) => r.roomId))]);
    log.debug({ monitor: event.name, status: event.status, rows: rows.map((r) => r.id) }, 'alert queued');
    return rows;
  };
}

/** The alert as one line, for when the template cannot give one: Kuma's own `msg` when there is one. */
export function fallbackBody(event: AlertEvent): string {
  if (event.msg.trim() !== '') return event.msg;
  return `[${event.name || 'Vigie'}] [${event.status.toUpperCase()}] ${event.hostnameOrURL}`.trimEnd();
}
