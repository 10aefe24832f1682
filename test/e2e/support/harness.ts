// Shared set-up of the end-to-end tests: a homeserver with a bot and rooms, a Vigie config pointing at it, waits.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { startHomeserver, type HomeserverOptions, type TestHomeserver } from '../../support/homeserver.js';
import { writeConfig } from '../../support/cli.js';

/** A test homeserver with a bot account (token issued on a fixed device) and rooms the bot has joined. */
export interface BotHomeserver {
  hs: TestHomeserver;
  bot: string;
  token: string;
  /** Room short names (as in the config, and as event tags) → room ids. */
  rooms: Record<string, string>;
}

/** Starts a homeserver (rate limit off unless given) with a bot joined to one room per name. */
export async function startBotHomeserver(roomNames: readonly string[], options: HomeserverOptions = {}, roomOptions: { encrypted?: boolean } = {}): Promise<BotHomeserver> {
  const hs = await startHomeserver({ messageRateLimit: false, ...options });
  const owner = hs.registerUser('owner', 'owner-pw');
  const bot = hs.registerUser('vigie', 'bot-pw');
  const token = hs.issueToken(bot, 'VIGIEBOT');
  const rooms = Object.fromEntries(roomNames.map((name) => [name, hs.createRoom({ creator: owner, join: [bot], name, encrypted: roomOptions.encrypted })]));
  return { hs, bot, token, rooms };
}

/** What a Vigie config for the e2e tests needs beyond the homeserver. */
export interface E2eConfigOptions {
  /** Longest backoff; short, so an outage of seconds is enough to see retries end. */
  maxBackoff?: string;
  parkedRetry?: string;
  listen?: string;
  logLevel?: string;
  /** The encryption store's passphrase: encryption configured (matrix.encryption.storePassphraseFile). */
  storePassphrase?: string;
}

/**
 * Writes vigie.yaml (token in a file beside it) with one route per room, taking events tagged with the room's
 * name, and a template that prints Kuma's `msg` as is, so bodies are easy to compare. Returns the config path.
 */
export function writeE2eConfig(setup: BotHomeserver, options: E2eConfigOptions = {}): string {
  const names = Object.keys(setup.rooms);
  const yaml = [
    'timezone: UTC',
    'matrix:',
    `  homeserver: ${setup.hs.url}`,
    '  accessTokenFile: ./matrix-token',
    '  requestTimeout: 5s',
    ...(options.storePassphrase === undefined ? [] : ['  encryption: { storePassphraseFile: ./e2ee-key }']),
    'rooms:',
    ...names.map((name) => `  ${name}: "${setup.rooms[name]}"`),
    'templates:',
    '  line: "{{ msg }}"',
    'routes:',
    // These tests count messages one per alert: no grouping window, no incident threads (test/incidents covers those).
    ...names.flatMap((name) => [`  - rooms: [${name}]`, '    template: line', `    match: { tags: [${name}] }`, '    groupWait: 0', '    incidents: off']),
    'store:',
    '  path: ./data/vigie.db',
    'server:',
    `  listen: ${options.listen ?? '127.0.0.1:0'}`,
    'delivery:',
    `  maxBackoff: ${options.maxBackoff ?? '1s'}`,
    `  parkedRetry: ${options.parkedRetry ?? '5m'}`,
    'log:',
    `  level: ${options.logLevel ?? 'info'}`,
    '',
  ].join('\n');
  const passphrase: Record<string, string> = options.storePassphrase === undefined ? {} : { 'e2ee-key': options.storePassphrase };
  return writeConfig(yaml, { 'matrix-token': `${setup.token}\n`, ...passphrase });
}

/** Replaces the token file next to a config written by writeE2eConfig (what a person does after `vigie login`). */
export function writeToken(configPath: string, token: string): void {
  writeFileSync(join(dirname(configPath), 'matrix-token'), `${token}\n`, { mode: 0o600 });
}

/** The database file of a config written by writeE2eConfig. */
export function databasePath(configPath: string): string {
  return join(dirname(configPath), 'data', 'vigie.db');
}

/** The bodies of the room's messages, in the order the room shows them. */
export function bodies(hs: TestHomeserver, roomId: string): string[] {
  return hs.messages(roomId).map((m) => String(m.content.body));
}

/** Asserts what people in the room see: exactly these messages, each once, in this order, each from its own txnId. */
export function expectRoomHolds(hs: TestHomeserver, roomId: string, expected: readonly string[]): void {
  const messages = hs.messages(roomId);
  expect(messages.map((m) => m.content.body)).toEqual(expected);
  expect(new Set(messages.map((m) => m.txnId)).size).toBe(messages.length);
}

/** Send requests the homeserver received (any answer), optionally only those carrying one txnId. */
export function sendRequests(hs: TestHomeserver, txnId?: string): TestHomeserver['requests'] {
  return hs.requests.filter((r) => r.method === 'PUT' && r.path.includes('/send/') && (txnId === undefined || r.path.endsWith(`/${encodeURIComponent(txnId)}`)));
}
