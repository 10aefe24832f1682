// A flood folded a group at a time: no group message too large for the homeserver, every alert in exactly one message.
import { describe, expect, it } from 'vitest';
import { createDispatch } from '../alert/dispatch.js';
import type { AlertEvent } from '../alert/event.js';
import { MAX_TEXT_BYTES } from '../alert/render/message.js';
import { compileTemplates } from '../alert/render/templates.js';
import { Outbox } from '../delivery/outbox.js';
import { silentLogger } from '../logging.js';
import { openDatabase } from '../store/db.js';
import { createGrouping, MAX_GROUP_ALERTS } from './grouping.js';
import { IncidentStore } from './store.js';

const ROOM = '!ops:example.org';

function down(name: string, msg: string): AlertEvent {
  return {
    source: 'monitor', status: 'down', name, hostnameOrURL: `https://${name}.example`, msg, time: new Date(0), tags: [],
    heartbeatJSON: { status: 0, msg }, monitorJSON: { name, type: 'http' },
  };
}

/** Queues the alerts in one grouping window, then plays the deliverer: fold before each send, send the head. */
function deliverFlood(alerts: AlertEvent[]): Array<Record<string, unknown>> {
  const db = openDatabase(':memory:');
  const outbox = new Outbox(db);
  const logger = silentLogger();
  const templates = compileTemplates({}, { timezone: 'UTC' });
  const dispatch = createDispatch({
    rules: [{ rooms: ['ops'], template: 'default', groupWait: 10_000, incidents: 'off' }], rooms: { ops: ROOM }, templates, msgtype: 'm.text',
    outbox, logger, incidents: { outbox, store: new IncidentStore(db) }, onQueued: () => undefined,
  });
  for (const alert of alerts) dispatch(alert);
  const beforeSend = createGrouping({ outbox, store: new IncidentStore(db), templates, logger });
  const sent: Array<Record<string, unknown>> = [];
  for (let head = outbox.head(ROOM); head; head = outbox.head(ROOM)) {
    beforeSend(ROOM, { heldBack: false });
    const row = outbox.head(ROOM)!;
    sent.push(row.content as Record<string, unknown>);
    outbox.markSent(row.id, `$${row.id}`);
  }
  db.close();
  return sent;
}

const listed = (messages: Array<Record<string, unknown>>, names: string[]) =>
  names.map((name) => messages.filter((m) => String(m.body).includes(`**${name}**`) || String(m.body).includes(`[${name}]`)).length);

describe('grouping a flood', () => {
  it('folds at most MAX_GROUP_ALERTS alerts per message, every alert in exactly one', () => {
    const names = Array.from({ length: 2 * MAX_GROUP_ALERTS + 50 }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    const sent = deliverFlood(names.map((name) => down(name, 'connect ECONNREFUSED')));
    expect(sent).toHaveLength(3);
    expect(sent.map((m) => /^🔴 \*\*(\d+) services DOWN\*\*/.exec(String(m.body))?.[1])).toEqual([String(MAX_GROUP_ALERTS), String(MAX_GROUP_ALERTS), '50']);
    expect(listed(sent, names).every((n) => n === 1)).toBe(true);
  });

  it('makes groups smaller when their text would be too large, and never cuts one', () => {
    const names = Array.from({ length: 60 }, (_, i) => `big-${String(i).padStart(2, '0')}`);
    const sent = deliverFlood(names.map((name) => down(name, `${name}: ${'x'.repeat(1_500)}`)));
    expect(sent.length).toBeGreaterThan(1);
    for (const message of sent) {
      expect(Buffer.byteLength(JSON.stringify(message.body)) + Buffer.byteLength(JSON.stringify(message.formatted_body ?? ''))).toBeLessThanOrEqual(MAX_TEXT_BYTES + 2);
      expect(String(message.body)).not.toContain('(cut:');
    }
    expect(listed(sent, names).every((n) => n === 1)).toBe(true);
  });

  it('cuts a single alert too large for the homeserver rather than losing it', () => {
    const [message] = deliverFlood([down('huge', 'y'.repeat(200_000))]);
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(MAX_TEXT_BYTES + 1_000);
    expect(String(message!.body)).toMatch(/\n… \(cut: \d+ more characters\)$/);
    expect(message!.formatted_body).toBeUndefined();
  });
});
