// An independent Matrix client for end-to-end encryption tests: matrix-js-sdk 37 (Element's SDK, with its own copy of
// the Rust crypto), logged in as one device, syncing, decrypting every encrypted event it sees.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sdk from 'matrix-js-sdk';
import { WAIT_MS } from './wait.js';

type SdkLogger = NonNullable<sdk.ICreateClientOpts['logger']>;

/** A js-sdk logger that keeps quiet: test output should be the tests'. */
const quiet: SdkLogger = {
  trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  getChild: () => quiet,
};

/** What this client made of one encrypted event. */
export interface Decryption {
  eventId: string;
  /** The clear content, or undefined when decryption failed. */
  content?: Record<string, unknown>;
  type?: string;
  failure?: string;
}

/** A running js-sdk client. */
export interface JsSdkClient {
  readonly userId: string;
  readonly deviceId: string;
  readonly client: sdk.MatrixClient;
  /** Resolves with the clear content once this client decrypted the event (rejects after `timeoutMs`, 15 s by default). */
  decrypted(eventId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the client's first attempt at the event, decrypted or failed (rejects after `timeoutMs`, 15 s by default). */
  attempt(eventId: string, timeoutMs?: number): Promise<Decryption>;
  /** Tries to decrypt a raw event now, as a client that never saw it in its timeline would. */
  tryDecrypt(raw: Record<string, unknown>): Promise<Decryption>;
  stop(): void;
}

const sdkRoot = dirname(createRequire(import.meta.url).resolve('matrix-js-sdk/package.json'));

interface LogLevelLogger { methodFactory: unknown; rebuild(): void }

/**
 * The js-sdk logs every step through loglevel, whatever logger the client is given; its loggers are silenced
 * here (the same loglevel instance the SDK imported, resolved from the SDK's folder).
 */
function silenceJsSdkLogs(): void {
  const loglevel = createRequire(join(sdkRoot, 'package.json'))('loglevel') as LogLevelLogger & { getLoggers(): Record<string, LogLevelLogger> };
  const silent = (): (() => void) => () => {};
  loglevel.methodFactory = silent;
  for (const named of Object.values(loglevel.getLoggers())) {
    named.methodFactory = silent;
    named.rebuild();
  }
}

let tracingOff = false;

/** The js-sdk's own crypto-wasm copy traces every step to the console, turned on by each client: keep it off. */
async function keepRustTracingOff(): Promise<void> {
  if (tracingOff) return;
  tracingOff = true;
  const url = pathToFileURL(join(sdkRoot, 'node_modules/@matrix-org/matrix-sdk-crypto-wasm/node.mjs')).href;
  const wasm = await import(url) as { Tracing: { prototype: { turnOn(): void; turnOff(): void } } };
  // Constructing a Tracing installs it; the SDK then calls turnOn(), which now turns it off instead.
  wasm.Tracing.prototype.turnOn = function (this: { turnOff(): void }) {
    this.turnOff();
  };
}

/** Logs in (a token for `deviceId`), starts syncing with in-memory crypto, and resolves once the first sync is done. */
export async function startJsSdkClient(baseUrl: string, userId: string, deviceId: string, accessToken: string): Promise<JsSdkClient> {
  silenceJsSdkLogs();
  await keepRustTracingOff();
  const client = sdk.createClient({ baseUrl, userId, deviceId, accessToken, logger: quiet });
  await client.initRustCrypto({ useIndexedDB: false });
  const results = new Map<string, Decryption>();
  const waiters = new Map<string, Array<(d: Decryption) => void>>();
  const attempts = new Map<string, Array<(d: Decryption) => void>>();
  client.on(sdk.MatrixEventEvent.Decrypted, (event) => {
    const eventId = event.getId();
    if (eventId === undefined) return;
    const result: Decryption = event.isDecryptionFailure()
      ? { eventId, failure: String(event.decryptionFailureReason) }
      : { eventId, type: event.getType(), content: event.getContent() };
    results.set(eventId, result);
    for (const wake of attempts.get(eventId) ?? []) wake(result);
    attempts.delete(eventId);
    if (result.content) for (const wake of waiters.get(eventId) ?? []) wake(result);
  });
  const prepared = new Promise<void>((resolve) => {
    const onSync = (state: sdk.SyncState): void => {
      if (state !== sdk.SyncState.Prepared) return;
      client.off(sdk.ClientEvent.Sync, onSync);
      resolve();
    };
    client.on(sdk.ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
  return {
    userId, deviceId, client,
    decrypted(eventId, timeoutMs = WAIT_MS) {
      const done = results.get(eventId);
      if (done?.content) return Promise.resolve(done.content);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const seen = results.get(eventId);
          reject(new Error(`${userId} (${deviceId}) did not decrypt ${eventId} within ${timeoutMs} ms: ${seen ? `decryption failed: ${seen.failure}` : 'never saw it'}`));
        }, timeoutMs);
        const wake = (d: Decryption): void => {
          clearTimeout(timer);
          resolve(d.content as Record<string, unknown>);
        };
        waiters.set(eventId, [...(waiters.get(eventId) ?? []), wake]);
      });
    },
    attempt(eventId, timeoutMs = WAIT_MS) {
      const done = results.get(eventId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${userId} (${deviceId}) never saw ${eventId} within ${timeoutMs} ms`)), timeoutMs);
        attempts.set(eventId, [...(attempts.get(eventId) ?? []), (d) => {
          clearTimeout(timer);
          resolve(d);
        }]);
      });
    },
    async tryDecrypt(raw) {
      const event = new sdk.MatrixEvent(raw);
      await client.decryptEventIfNeeded(event);
      const eventId = event.getId() ?? '';
      return event.isDecryptionFailure()
        ? { eventId, failure: String(event.decryptionFailureReason) }
        : { eventId, type: event.getType(), content: event.getContent() };
    },
    stop: () => client.stopClient(),
  };
}
