// Checks across sections (routes name rooms and templates that exist, names are unique) and the default route.
import { BUILTIN_TEMPLATES } from '../alert/render/builtin.js';
import { route, type RouteRule } from '../alert/router.js';
import type { z } from 'zod';
import { didYouMean } from './suggest.js';

/** The parts of the parsed config that refer to each other. */
interface Referencing {
  rooms: Record<string, string>;
  templates: Record<string, unknown>;
  routes?: (RouteRule & { rooms: string[]; template: string; match?: { sources?: string[] | undefined } | undefined })[] | undefined;
  monitors: { name: string; type?: string; tags: string[]; group?: string | undefined }[];
  maintenance: { monitors?: string[] | undefined }[];
  sources: { uptimeKuma: { name: string; rooms?: string[] | undefined; template?: string | undefined }[] };
  matrix: { encryption: { plaintextRooms: string[] } };
}

type Path = (string | number)[];

/** Adds an issue for every reference to something that is not defined, and for every duplicate name. */
export function checkReferences(config: Referencing, ctx: z.RefinementCtx): void {
  const report = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const roomNames = Object.keys(config.rooms);
  const checkRooms = (rooms: string[] | undefined, path: Path) => {
    rooms?.forEach((room, i) => {
      if (Object.hasOwn(config.rooms, room)) return;
      const known = roomNames.length === 0 ? 'no rooms are defined yet' : `rooms are: ${roomNames.join(', ')}`;
      report([...path, i], `unknown room '${room}'${didYouMean(room, roomNames)} (${known}; add it under rooms:)`);
    });
  };
  const checkTemplate = (template: string | undefined, path: Path) => {
    if (template === undefined || Object.hasOwn(BUILTIN_TEMPLATES, template) || Object.hasOwn(config.templates, template)) return;
    const names = [...new Set([...Object.keys(config.templates), ...Object.keys(BUILTIN_TEMPLATES)])];
    report(path, `unknown template '${template}'${didYouMean(template, names)} (templates are: ${names.join(', ')})`);
  };
  const kumaNames = config.sources.uptimeKuma.map((s) => s.name);
  const sourceNames = ['monitor', ...kumaNames.map((name) => `uptime-kuma:${name}`)];
  config.routes?.forEach((route, i) => {
    checkRooms(route.rooms, ['routes', i, 'rooms']);
    checkTemplate(route.template, ['routes', i, 'template']);
    route.match?.sources?.forEach((source, j) => {
      if (sourceNames.includes(source)) return;
      report(['routes', i, 'match', 'sources', j],
        `unknown source '${source}'${didYouMean(source, sourceNames)} (sources are: ${sourceNames.join(', ')})`);
    });
  });
  checkRooms(config.matrix.encryption.plaintextRooms, ['matrix', 'encryption', 'plaintextRooms']);
  config.sources.uptimeKuma.forEach((source, i) => {
    checkRooms(source.rooms, ['sources', 'uptimeKuma', i, 'rooms']);
    checkTemplate(source.template, ['sources', 'uptimeKuma', i, 'template']);
  });
  checkUnique(config.monitors.map((m) => m.name), ['monitors'], 'monitor', report);
  // One push URL feeds one monitor: two sharing a token would each take the other's pushes (never shown: a secret).
  const pushTokens = config.monitors.map((m) => (m.type === 'push' ? (m as { token?: unknown }).token : undefined));
  for (const { index, earlier } of repeats(pushTokens)) {
    report(['monitors', index, 'token'],
      `push monitor '${config.monitors[index]!.name}' has the same token as monitor #${earlier + 1} ('${config.monitors[earlier]!.name}'); each push monitor needs its own`);
  }
  checkMonitorsRouted(config, report);
  const monitorNames = config.monitors.map((m) => m.name);
  config.maintenance.forEach((window, i) => {
    window.monitors?.forEach((name, j) => {
      if (monitorNames.includes(name)) return;
      report(['maintenance', i, 'monitors', j], `unknown monitor '${name}'${didYouMean(name, monitorNames)} (monitors are: ${monitorNames.join(', ') || 'none'})`);
    });
  });
  checkUnique(kumaNames, ['sources', 'uptimeKuma'], 'source', report);
}

/** A monitor whose DOWN alerts no route takes would fail silently: that is a configuration error. */
function checkMonitorsRouted(config: Referencing, report: (path: Path, message: string) => void): void {
  const rules = applyDefaultRoutes(config).routes;
  config.monitors.forEach((monitor, i) => {
    const down = {
      source: 'monitor', status: 'down' as const, name: monitor.name, tags: monitor.tags, group: monitor.group, hostnameOrURL: '', msg: '',
      time: new Date(0), heartbeatJSON: null, monitorJSON: null,
    };
    if (route(down, rules).length > 0) return;
    report(['monitors', i, 'name'], Object.keys(config.rooms).length === 0
      ? `monitor '${monitor.name}' has nowhere to send its alerts: add a room under rooms: (and routes: if not every alert goes to every room)`
      : `no route takes the DOWN alerts of monitor '${monitor.name}': add a route that matches it (match.monitors: [${monitor.name}], one of its tags, or no match at all)`);
  });
}

function checkUnique(names: string[], path: Path, what: string, report: (path: Path, message: string) => void): void {
  for (const { index, earlier } of repeats(names)) {
    report([...path, index, 'name'], `${what} name '${names[index]}' is already used by ${what} #${earlier + 1}; names must be unique`);
  }
}

/** Each string value met before in the list, with the index where it first was (other values are not compared). */
function repeats(values: readonly unknown[]): Array<{ index: number; earlier: number }> {
  const first = new Map<string, number>();
  const found: Array<{ index: number; earlier: number }> = [];
  values.forEach((value, index) => {
    if (typeof value !== 'string') return;
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, index);
    else found.push({ index, earlier });
  });
  return found;
}

/** Without a `routes` section, every alert goes to every room with the default template. */
export function applyDefaultRoutes<T extends Referencing>(config: T): Omit<T, 'routes'> & { routes: NonNullable<T['routes']> } {
  const rooms = Object.keys(config.rooms);
  const fallback = rooms.length === 0 ? [] : [{ rooms, template: 'default', continue: false }];
  return { ...config, routes: (config.routes ?? fallback) };
}
