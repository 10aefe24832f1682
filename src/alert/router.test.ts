import { describe, expect, it } from 'vitest';
import type { AlertEvent } from './event.js';
import { route, type RouteRule } from './router.js';

function event(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    source: 'monitor', status: 'down', name: 'Site web', hostnameOrURL: 'https://example.org', msg: 'down',
    time: new Date(0), tags: ['prod'], heartbeatJSON: null, monitorJSON: null, ...over,
  };
}

const rules: RouteRule[] = [
  { rooms: ['db'], template: 'db', match: { monitors: ['Postgres'] } },
  { rooms: ['ops'], template: 'seed', match: { tags: ['prod'], status: ['down', 'up'] }, continue: true },
  { rooms: ['ops', 'all'] },
];

describe('route', () => {
  it.each([
    ['a named monitor stops at its own rule', event({ name: 'Postgres' }), [{ rooms: ['db'], template: 'db' }]],
    ['continue adds later rules, a room only once', event(), [{ rooms: ['ops'], template: 'seed' }, { rooms: ['all'], template: 'default' }]],
    ['a status outside the filter skips the rule', event({ status: 'pending' }), [{ rooms: ['ops', 'all'], template: 'default' }]],
    ['a tag outside the filter skips the rule', event({ tags: ['dev'] }), [{ rooms: ['ops', 'all'], template: 'default' }]],
    ['a test event passes status filters', event({ status: 'test' }), [{ rooms: ['ops'], template: 'seed' }, { rooms: ['all'], template: 'default' }]],
    ['allowed rooms narrow every rule', event({ allowedRooms: ['all'] }), [{ rooms: ['all'], template: 'default' }]],
  ])('%s', (_name, ev, expected) => {
    expect(route(ev, rules)).toEqual(expected);
  });

  it('matches by source', () => {
    const bySource: RouteRule[] = [{ rooms: ['kuma'], match: { sources: ['uptime-kuma:home'] } }];
    expect(route(event({ source: 'uptime-kuma:home' }), bySource)).toEqual([{ rooms: ['kuma'], template: 'default' }]);
    expect(route(event(), bySource)).toEqual([]);
  });
});

describe('route by group', () => {
  const byGroup: RouteRule[] = [{ rooms: ['db'], match: { groups: ['Databases'] } }, { rooms: ['ops'] }];
  it.each([
    ['a monitor of the group goes to its room', event({ group: 'Databases' }), [{ rooms: ['db'], template: 'default' }]],
    ['a monitor of another group does not', event({ group: 'Web' }), [{ rooms: ['ops'], template: 'default' }]],
    ['a monitor without a group does not', event(), [{ rooms: ['ops'], template: 'default' }]],
  ])('%s', (_name, ev, expected) => {
    expect(route(ev, byGroup)).toEqual(expected);
  });
});
