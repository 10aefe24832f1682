// Alerts for the end-to-end tests, shared by the test files and the child-process entry (so no vitest import here).
import type { AlertEvent } from '../../../src/alert/event.js';

/** A DOWN alert routed to the room named `tag`; the e2e config's template renders its body as exactly `msg`. */
export function alert(tag: string, msg: string): AlertEvent {
  return {
    source: 'monitor', status: 'down', name: msg, hostnameOrURL: 'https://example.org', msg, time: new Date(),
    tags: [tag], heartbeatJSON: { status: 0, msg }, monitorJSON: { name: msg, type: 'http' },
  };
}

/** The body of the i-th alert of a series (zero-padded, so a sorted list reads in order). */
export function seriesBody(prefix: string, tag: string, i: number): string {
  return `${prefix} ${tag} ${String(i).padStart(4, '0')}`;
}

/** The bodies a series of `count` alerts spread over `tags` (alert i to tags[i % n]) leaves in the room `tag`. */
export function expectedSeries(prefix: string, tags: readonly string[], count: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) if (tags[i % tags.length] === tag) out.push(seriesBody(prefix, tag, i));
  return out;
}
