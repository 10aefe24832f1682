// Routing: which rooms an event goes to, and with which template. Pure, so it is tested as a table.
import type { AlertEvent, EventStatus } from './event.js';

/** What a route looks at; every listed criterion must hold (an absent one matches anything). */
export interface RouteMatch {
  tags?: string[];
  status?: string[];
  monitors?: string[];
  /** Monitor groups (a monitor's `group`, Kuma's group monitors). */
  groups?: string[];
  sources?: string[];
}

/** One routing rule, as written in the config's `routes`. */
export interface RouteRule {
  rooms: string[];
  template?: string;
  match?: RouteMatch;
  continue?: boolean;
  /** How incidents show in the room (default both, see src/incidents/policy.ts). */
  incidents?: IncidentMode;
  /** The grouping window in ms (default 10 s; 0 = off). */
  groupWait?: number;
  /** Users pinged by this route's alerts. */
  mentions?: string[];
  /** Ping the whole room (default false). */
  atRoom?: boolean;
}

/** Route options passed on to each target (their defaults are applied where they are used). */
export type IncidentMode = 'thread' | 'edit' | 'both' | 'off';

/** Where one event goes: room short names and the template to render for them. */
export interface RouteTarget {
  rooms: string[];
  template: string;
  incidents?: IncidentMode;
  groupWait?: number;
  mentions?: string[];
  atRoom?: boolean;
}

/** The template used when neither the route nor the source names one. */
export const DEFAULT_TEMPLATE_NAME = 'default';

/** The rules an event matches, first match wins unless that rule says `continue: true`. */
export function route(event: AlertEvent, rules: readonly RouteRule[]): RouteTarget[] {
  const targets: RouteTarget[] = [];
  for (const rule of rules) {
    if (!matches(event, rule.match)) continue;
    const rooms = event.allowedRooms ? rule.rooms.filter((r) => event.allowedRooms!.includes(r)) : rule.rooms;
    if (rooms.length > 0) targets.push(withOptions({ rooms, template: rule.template ?? DEFAULT_TEMPLATE_NAME }, rule));
    if (!rule.continue) break;
  }
  return dedupeRooms(targets);
}

// Only options the rule sets, so targets of plain rules read as before.
function withOptions(target: RouteTarget, rule: RouteRule): RouteTarget {
  if (rule.incidents !== undefined) target.incidents = rule.incidents;
  if (rule.groupWait !== undefined) target.groupWait = rule.groupWait;
  if (rule.mentions !== undefined && rule.mentions.length > 0) target.mentions = rule.mentions;
  if (rule.atRoom === true) target.atRoom = true;
  return target;
}

function matches(event: AlertEvent, match: RouteMatch | undefined): boolean {
  if (!match) return true;
  if (match.status && !statusMatches(event.status, match.status)) return false;
  if (match.tags && !match.tags.some((t) => event.tags.includes(t))) return false;
  if (match.monitors && !match.monitors.includes(event.name)) return false;
  if (match.groups && (event.group === undefined || !match.groups.includes(event.group))) return false;
  if (match.sources && !match.sources.includes(event.source)) return false;
  return true;
}

// A test notification exists to check the path to a room, so a status filter never hides it.
function statusMatches(status: EventStatus, wanted: string[]): boolean {
  return status === 'test' || wanted.includes(status);
}

// With `continue`, two rules may name the same room: it gets the first rule's message only.
function dedupeRooms(targets: RouteTarget[]): RouteTarget[] {
  const seen = new Set<string>();
  const result: RouteTarget[] = [];
  for (const t of targets) {
    const rooms = t.rooms.filter((r) => !seen.has(r));
    rooms.forEach((r) => seen.add(r));
    if (rooms.length > 0) result.push({ ...t, rooms });
  }
  return result;
}
