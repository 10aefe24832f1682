// Runs the test homeserver in a child process and talks to it over IPC: its URL and bot token, rooms, message counts.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { RateLimit } from './homeserver.js';
import type { HsChildReply, HsChildRequest } from './homeserver-child.js';

const repo = resolve(import.meta.dirname, '../..');
const entry = resolve(import.meta.dirname, 'homeserver-child.ts');

/** A test homeserver in another process, with a bot account (`token`) that joins every room it creates. */
export interface HomeserverProcess {
  readonly url: string;
  readonly token: string;
  readonly userId: string;
  /** The child process's id (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  /** New rooms with the bot joined. */
  createRooms(count: number): Promise<string[]>;
  /** How many messages each room holds. */
  countMessages(roomIds: string[]): Promise<number[]>;
  /** Stops the server and waits for the process to end. */
  close(): Promise<void>;
}

type Request = HsChildRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Spawns `node --import tsx homeserver-child.ts`; message rate limit off unless given. */
export async function spawnHomeserver(options: { messageRateLimit?: RateLimit } = {}): Promise<HomeserverProcess> {
  const rate = options.messageRateLimit ? `${options.messageRateLimit.perSecond},${options.messageRateLimit.burst}` : '';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repo, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, HS_MESSAGE_RATE: rate },
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const waiting = new Map<number, (reply: HsChildReply) => void>();
  let nextId = 1;
  const ready = new Promise<Extract<HsChildReply, { type: 'ready' }>>((resolveReady, reject) => {
    child.once('exit', (code) => reject(new Error(`the homeserver process exited (code ${String(code)}) before it was ready`)));
    child.on('message', (reply: HsChildReply) => {
      if (reply.type === 'ready') return resolveReady(reply);
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    });
  });
  const { url, token, userId } = await ready;

  function ask(request: Request): Promise<HsChildReply> {
    const id = nextId++;
    return new Promise((resolveReply, reject) => {
      waiting.set(id, (reply) => (reply.type === 'error' ? reject(new Error(`test homeserver: ${reply.message}`)) : resolveReply(reply)));
      child.send({ ...request, id });
    });
  }

  return {
    url, token, userId, pid: child.pid,
    async createRooms(count) {
      const reply = await ask({ type: 'createRooms', count });
      if (reply.type !== 'rooms') throw new Error(`test homeserver: expected rooms, got ${reply.type}`);
      return reply.roomIds;
    },
    async countMessages(roomIds) {
      const reply = await ask({ type: 'count', roomIds });
      if (reply.type !== 'counts') throw new Error(`test homeserver: expected counts, got ${reply.type}`);
      return reply.counts;
    },
    async close() {
      if (child.exitCode === null && child.connected) await ask({ type: 'close' });
      await exited;
    },
  };
}
