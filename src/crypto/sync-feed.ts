// Feeds the OlmMachine what /sync says about encryption: to-device messages, device list changes, one-time key counts.
import { DeviceLists, UserId, type OlmMachine } from '@matrix-org/matrix-sdk-crypto-wasm';
import type { CryptoStore } from './crypto-store.js';
import type { CryptoApi } from './outgoing.js';

/** No rooms, presence or account data: the bot syncs only for what encryption needs, so even the first sync is small. */
export const CRYPTO_SYNC_FILTER = JSON.stringify({
  room: { rooms: [] },
  presence: { not_types: ['*'] },
  account_data: { not_types: ['*'] },
});

/** Where the next /sync starts, kept beside the crypto store. */
const SYNC_TOKEN = 'sync_token';

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});

/** Valid user ids only: one malformed id from a server must not stop the rest from being tracked. */
function userIds(value: unknown): UserId[] {
  if (!Array.isArray(value)) return [];
  const ids: UserId[] = [];
  for (const item of value) {
    if (typeof item !== 'string') continue;
    try {
      ids.push(new UserId(item));
    } catch {
      // Not a user id: nothing to track.
    }
  }
  return ids;
}

/** Hands the machine what one /sync answer says about encryption (to-device messages, device lists, key counts). */
export async function feedSync(machine: OlmMachine, answer: Record<string, unknown>): Promise<void> {
  const toDevice = record(answer.to_device).events;
  const lists = record(answer.device_lists);
  const counts = new Map<string, number>();
  for (const [algorithm, count] of Object.entries(record(answer.device_one_time_keys_count))) {
    if (typeof count === 'number') counts.set(algorithm, count);
  }
  const fallback = answer.device_unused_fallback_key_types;
  // Absent means the server does not support fallback keys; an empty list means ours was used and needs replacing.
  const unusedFallback = Array.isArray(fallback) ? new Set(fallback.filter((t): t is string => typeof t === 'string')) : undefined;
  await machine.receiveSyncChanges(
    JSON.stringify(Array.isArray(toDevice) ? toDevice : []),
    new DeviceLists(userIds(lists.changed), userIds(lists.left)),
    counts,
    unusedFallback,
  );
}

/**
 * One /sync from the saved token, fed to the machine. The token is saved only after the machine has stored what
 * it received, so a crash in between replays the same to-device messages (the machine drops duplicates) instead
 * of losing them.
 */
export async function syncOnce(machine: OlmMachine, api: CryptoApi, store: CryptoStore, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const since = store.getState(SYNC_TOKEN);
  const answer = await api.sync({ since, timeoutMs: options.timeoutMs ?? 0, filter: CRYPTO_SYNC_FILTER }, options.signal);
  await feedSync(machine, answer);
  store.setState(SYNC_TOKEN, answer.next_batch as string);
}
