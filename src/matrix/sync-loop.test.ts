import { describe, it, expect, vi } from 'vitest';
import { silentLogger } from '../logging.js';
import { MatrixError } from './errors.js';
import { SyncLoop, type RoomEvent, type SyncApi } from './sync-loop.js';

const BOT = '@vigie:example.org';

/** A /sync that answers from a script, then holds the long-poll open until aborted, like a quiet homeserver. */
function fakeApi(answers: Array<Record<string, unknown> | Error>) {
  const calls: Array<{ since?: string; timeoutMs?: number; filter?: string }> = [];
  const api: SyncApi = {
    whoami: async () => ({ userId: BOT }),
    sync: (params, signal) => {
      calls.push(params);
      const next = answers.shift();
      if (next instanceof Error) return Promise.reject(next);
      if (next) return Promise.resolve(next);
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    },
  };
  return { api, calls };
}

function memoryToken(initial?: string) {
  let value = initial;
  return { get: () => value, set: (v: string) => { value = v; } };
}

const message = (id: string, sender: string, body: string, extra: Record<string, unknown> = {}) => ({
  event_id: id, type: 'm.room.message', sender, origin_server_ts: 1, content: { msgtype: 'm.text', body, ...extra },
});

function answer(next: string, join: Record<string, unknown[]> = {}, invite: Record<string, unknown[]> = {}) {
  return {
    next_batch: next,
    rooms: {
      join: Object.fromEntries(Object.entries(join).map(([room, events]) => [room, { timeline: { events } }])),
      invite: Object.fromEntries(Object.entries(invite).map(([room, events]) => [room, { invite_state: { events } }])),
    },
  };
}

/** Waits for the loop to reach `condition` (by time, not by turns: the backoff waits on real timers). */
async function until(condition: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5_000, interval: 1 });
}

describe('SyncLoop', () => {
  it('skips the history on a first run, then emits what others say, and keeps the token', async () => {
    const token = memoryToken();
    const { api, calls } = fakeApi([
      answer('s1', { '!ops:x': [message('$old', '@alice:x', '!vigie status')] }),
      answer('s2', { '!ops:x': [
        message('$new', '@alice:x', '!vigie status'),
        message('$own', BOT, 'Vigie\'s own notice'),
        message('$edit', '@alice:x', '* !vigie status', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$new' } }),
        // A typo fixed with ↑: the edit is emitted as the message it makes, under the original's id.
        message('$fix', '@alice:x', '* !vigie status', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$typo' }, 'm.new_content': { msgtype: 'm.text', body: '!vigie status' } }),
        { event_id: '$r', type: 'm.reaction', sender: '@bob:x', origin_server_ts: 2, content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$a', key: '👍' } } },
        { event_id: '$redacted', type: 'm.room.message', sender: '@bob:x', origin_server_ts: 3, content: {} },
        // Taking a reaction back: `redacts` at the top before room version 11, in the content from 11 on.
        { event_id: '$x10', type: 'm.room.redaction', sender: '@bob:x', origin_server_ts: 4, redacts: '$r', content: {} },
        { event_id: '$x11', type: 'm.room.redaction', sender: '@bob:x', origin_server_ts: 5, content: { redacts: '$r2', reason: 'oops' } },
        { event_id: '$x', type: 'm.room.redaction', sender: '@bob:x', origin_server_ts: 6, content: {} },
      ] }),
    ]);
    const loop = new SyncLoop({ api, token, logger: silentLogger() });
    const seen: string[] = [];
    loop.on('message', (room, ev: RoomEvent) => seen.push(`message ${room} ${ev.event_id} ${String(ev.content.body)}`));
    loop.on('reaction', (room, ev: RoomEvent) => seen.push(`reaction ${room} ${ev.event_id}`));
    loop.on('redaction', (room, ev) => seen.push(`redaction ${room} ${ev.event_id} of ${ev.redacts}`));
    loop.start();
    await until(() => calls.length === 3);
    await loop.stop();
    expect(seen).toEqual([
      'message !ops:x $new !vigie status', 'message !ops:x $typo !vigie status', 'reaction !ops:x $r',
      'redaction !ops:x $x10 of $r', 'redaction !ops:x $x11 of $r2',
    ]);
    expect(token.get()).toBe('s2');
    expect(calls.map((c) => [c.since, c.timeoutMs])).toEqual([[undefined, 0], ['s1', 30_000], ['s2', 30_000]]);
    expect((JSON.parse(calls[0]!.filter!) as { room: { timeline: { types: string[] } } }).room.timeline.types).toEqual(['m.room.message', 'm.reaction', 'm.room.redaction']);
  });

  it('resumes from a stored token without skipping anything', async () => {
    const { api, calls } = fakeApi([answer('s8', { '!ops:x': [message('$1', '@alice:x', 'hi')] })]);
    const loop = new SyncLoop({ api, token: memoryToken('s7'), logger: silentLogger() });
    const seen: string[] = [];
    loop.on('message', (_room, ev) => seen.push(ev.event_id));
    loop.start();
    await until(() => calls.length === 2);
    await loop.stop();
    expect(seen).toEqual(['$1']);
    expect(calls[0]!.since).toBe('s7');
  });

  it('leaves the bot\'s own messages out of the filter, and saves the token only once what it emitted is acted on', async () => {
    const { api, calls } = fakeApi([answer('s8', { '!ops:x': [message('$1', '@alice:x', '!vigie status')] })]);
    const token = memoryToken('s7');
    let release: () => void = () => undefined;
    const acted = new Promise<void>((resolve) => { release = resolve; });
    const loop = new SyncLoop({ api, token, logger: silentLogger(), settled: () => acted });
    loop.start();
    await until(() => calls.length === 1);
    expect((JSON.parse(calls[0]!.filter!) as { room: { timeline: { not_senders: string[] } } }).room.timeline.not_senders).toEqual([BOT]);
    await new Promise((resolve) => setImmediate(resolve));
    // The command is still being handled: a crash now must replay it, so the token has not moved.
    expect(token.get()).toBe('s7');
    release();
    await until(() => calls.length === 2);
    await loop.stop();
    expect(token.get()).toBe('s8');
  });

  it('emits invites with their inviter, even on the first sync', async () => {
    const { api, calls } = fakeApi([answer('s1', {}, {
      '!new:x': [
        { type: 'm.room.create', state_key: '', sender: '@alice:x', content: {} },
        { type: 'm.room.member', state_key: BOT, sender: '@alice:x', content: { membership: 'invite' } },
      ],
    })]);
    const loop = new SyncLoop({ api, token: memoryToken(), logger: silentLogger() });
    const invites: string[][] = [];
    loop.on('invite', (room, inviter) => invites.push([room, inviter]));
    loop.start();
    await until(() => calls.length === 2);
    await loop.stop();
    expect(invites).toEqual([['!new:x', '@alice:x']]);
  });

  it('hands each answer to subscribers before acting, and retries the same token when one fails', async () => {
    const token = memoryToken('s1');
    const { api, calls } = fakeApi([answer('s2'), answer('s2'), answer('s3')]);
    const loop = new SyncLoop({ api, token, logger: silentLogger(), backoff: { minMs: 1, maxMs: 1 } });
    const got: unknown[] = [];
    let fail = true;
    loop.onSync((response) => {
      got.push(response.next_batch);
      if (fail) {
        fail = false;
        throw new Error('crypto store busy');
      }
    });
    loop.start();
    await until(() => calls.length === 4);
    await loop.stop();
    expect(got).toEqual(['s2', 's2', 's3']);
    expect(calls.map((c) => c.since)).toEqual(['s1', 's1', 's2', 's3']);
  });

  it('backs off after errors and goes on when the homeserver answers again', async () => {
    const { api, calls } = fakeApi([new MatrixError('M_UNKNOWN', 502, 'Bad Gateway'), new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down', 1), answer('s2')]);
    const loop = new SyncLoop({ api, token: memoryToken('s1'), logger: silentLogger(), backoff: { minMs: 1, maxMs: 5 } });
    loop.start();
    await until(() => calls.length === 4);
    await loop.stop();
    expect(calls.map((c) => c.since)).toEqual(['s1', 's1', 's1', 's2']);
  });

  it('a listener that throws does not stop the loop', async () => {
    const { api, calls } = fakeApi([answer('s2', { '!ops:x': [message('$1', '@a:x', 'one'), message('$2', '@a:x', 'two')] })]);
    const token = memoryToken('s1');
    const loop = new SyncLoop({ api, token, logger: silentLogger() });
    const seen: string[] = [];
    loop.on('message', (_room, ev) => {
      seen.push(ev.event_id);
      if (ev.event_id === '$1') throw new Error('bug');
    });
    loop.start();
    await until(() => calls.length === 2);
    await loop.stop();
    expect(seen).toEqual(['$1', '$2']);
    expect(token.get()).toBe('s2');
  });

  it('decrypts encrypted messages after the subscribers took the answer, and drops those it cannot read', async () => {
    const encrypted = (id: string, relation?: object) => ({
      event_id: id, type: 'm.room.encrypted', sender: '@alice:x', origin_server_ts: 5,
      content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: `cipher-${id}`, ...(relation ? { 'm.relates_to': relation } : {}) },
    });
    const { api, calls } = fakeApi([answer('s2', { '!ops:x': [encrypted('$cmd'), encrypted('$reply', { 'm.in_reply_to': { event_id: '$a' } }), encrypted('$unknown')] })]);
    const keys = new Set<string>();
    const loop = new SyncLoop({
      api, token: memoryToken('s1'), logger: silentLogger(),
      decrypt: async (_room, event) => {
        const cipher = (event.content as { ciphertext: string }).ciphertext;
        return keys.has(cipher) ? { type: 'm.room.message', content: { msgtype: 'm.text', body: `clear ${cipher}` } } : undefined;
      },
    });
    // The room keys come in the same answer: the subscriber must have taken them before decryption.
    loop.onSync(() => { keys.add('cipher-$cmd').add('cipher-$reply'); });
    const seen: RoomEvent[] = [];
    loop.on('message', (_room, ev) => seen.push(ev));
    loop.start();
    await until(() => calls.length === 2);
    await loop.stop();
    expect(seen.map((e) => [e.event_id, e.type, e.content.body])).toEqual([['$cmd', 'm.room.message', 'clear cipher-$cmd'], ['$reply', 'm.room.message', 'clear cipher-$reply']]);
    expect(seen[1]!.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: '$a' } });
    expect((JSON.parse(calls[0]!.filter!) as { room: { timeline: { types: string[] } } }).room.timeline.types).toContain('m.room.encrypted');
  });
});

/**
 * One sync (after s1) whose timeline is cut before message $6, with `roomMessages` as the room's history; resolves
 * with the bodies of the messages the loop emitted.
 */
async function afterCutTimeline(roomMessages: NonNullable<SyncApi['roomMessages']>): Promise<string[]> {
  const { api, calls } = fakeApi([{
    next_batch: 's9', rooms: { join: { '!ops:x': { timeline: { limited: true, prev_batch: 'p5', events: [message('$6', '@alice:x', 'six')] } } } },
  }]);
  api.roomMessages = roomMessages;
  const loop = new SyncLoop({ api, token: memoryToken('s1'), logger: silentLogger() });
  const seen: string[] = [];
  loop.on('message', (_room, ev) => seen.push(String(ev.content.body)));
  loop.start();
  await until(() => calls.length === 2);
  await loop.stop();
  return seen;
}

describe('SyncLoop after a cut timeline', () => {
  it('reads the events before it back from the room\'s history, down to the last sync, and emits them first, oldest first', async () => {
    const pages: Array<{ from: string; to: string; filter: string }> = [];
    const seen = await afterCutTimeline(async (_roomId, params) => {
      pages.push(params);
      return params.from === 'p5'
        ? { chunk: [message('$5', '@alice:x', 'five'), message('$4', '@alice:x', '!vigie status')], end: 'p3' }
        : { chunk: [message('$3', '@alice:x', 'three')] };
    });
    expect(seen).toEqual(['three', '!vigie status', 'five', 'six']);
    expect(pages.map((p) => [p.from, p.to])).toEqual([['p5', 's1'], ['p3', 's1']]);
    expect(JSON.parse(pages[0]!.filter)).toEqual({ types: ['m.room.message', 'm.reaction', 'm.room.redaction'], not_senders: [BOT] });
  });

  it('acts on the timeline it has when the history cannot be read', async () => {
    expect(await afterCutTimeline(() => Promise.reject(new MatrixError('M_FORBIDDEN', 403, 'history not visible')))).toEqual(['six']);
  });
});
