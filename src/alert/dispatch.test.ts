import { describe, expect, it } from 'vitest';
import { Outbox } from '../delivery/outbox.js';
import { silentLogger } from '../logging.js';
import { openDatabase } from '../store/db.js';
import { createDispatch, fallbackBody } from './dispatch.js';
import type { AlertEvent } from './event.js';
import { compileTemplates } from './render/templates.js';
import type { RouteRule } from './router.js';

function event(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    source: 'monitor', status: 'down', name: 'Site web', hostnameOrURL: 'https://example.org',
    msg: '[Site web] [🔴 Down] timeout', time: new Date('2026-11-26T12:00:00Z'), tags: [], heartbeatJSON: null, monitorJSON: null, ...over,
  };
}

function setup(templates: Record<string, string>, rules: RouteRule[] = [{ rooms: ['ops', 'team'], template: 'main' }]) {
  const outbox = new Outbox(openDatabase(':memory:'));
  const woken: string[][] = [];
  const dispatch = createDispatch({
    rules, rooms: { ops: '!ops:example.org', team: '#team:example.org' },
    templates: compileTemplates(templates, { timezone: 'UTC' }), msgtype: 'm.notice', outbox,
    onQueued: (rooms) => woken.push([...rooms]), logger: silentLogger(),
  });
  return { outbox, dispatch, woken };
}

describe('dispatch', () => {
  it('queues one message per room, durably, then wakes those rooms', () => {
    const { outbox, dispatch, woken } = setup({ main: '{{ name }} is {{ status }}' });
    const rows = dispatch(event());
    expect(rows.map((r) => r.roomId)).toEqual(['!ops:example.org', '#team:example.org']);
    expect(rows[0]!.content).toEqual({ msgtype: 'm.notice', body: 'Site web is 🔴 Down', 'm.mentions': {} });
    expect(outbox.depth().total).toBe(2);
    expect(woken).toEqual([['!ops:example.org', '#team:example.org']]);
  });

  it('queues a deduplicated event only once', () => {
    const { outbox, dispatch } = setup({ main: '{{ msg }}' });
    const first = dispatch(event(), { dedupeKey: 'kuma:txn1' });
    const again = dispatch(event(), { dedupeKey: 'kuma:txn1' });
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(outbox.depth().total).toBe(2);
  });

  it('sends Kuma\'s line when the template fails at render time, so the alert is not lost', () => {
    const { dispatch } = setup({ main: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' });
    const [row] = dispatch(event());
    expect(row!.content).toMatchObject({ body: '[Site web] [🔴 Down] timeout' });
  });

  it('sends Kuma\'s line when the template renders nothing', () => {
    const { dispatch } = setup({ main: '{% if false %}x{% endif %}' });
    expect(dispatch(event())[0]!.content).toMatchObject({ body: '[Site web] [🔴 Down] timeout' });
  });

  it('queues what the render worker rendered for the route\'s template', () => {
    const { outbox, dispatch } = setup({ main: '{{ name }} is {{ status }}' });
    const [row] = dispatch(event(), { rendered: new Map([['main', { body: 'rendered elsewhere' }]]) });
    expect(row!.content).toMatchObject({ body: 'rendered elsewhere' });
    expect(outbox.get(row!.id)!.content).toMatchObject({ body: 'rendered elsewhere' });
  });

  it('sends Kuma\'s line when the render worker rendered nothing, as when the main thread does', () => {
    const { dispatch } = setup({ main: '{{ name }}' });
    const [row] = dispatch(event(), { rendered: new Map([['main', { body: '  ' }]]) });
    expect(row!.content).toMatchObject({ body: '[Site web] [🔴 Down] timeout' });
  });

  it('queues nothing when no route takes the event', () => {
    const { outbox, dispatch } = setup({}, [{ rooms: ['ops'], template: 'default', match: { status: ['up'] } }]);
    expect(dispatch(event())).toEqual([]);
    expect(outbox.depth().total).toBe(0);
  });

  it('builds a line for an event without a message', () => {
    expect(fallbackBody(event({ msg: '', status: 'up' }))).toBe('[Site web] [UP] https://example.org');
  });
});
