// A room's encryption as its state says (m.room.encryption, m.room.history_visibility), and the settings it implies.
import { CollectStrategy, EncryptionAlgorithm, EncryptionSettings, HistoryVisibility } from '@matrix-org/matrix-sdk-crypto-wasm';
import type { CryptoApi } from './outgoing.js';

/** The only room algorithm in use today. */
export const MEGOLM = 'm.megolm.v1.aes-sha2';

/** Which devices get a room's keys: every device of every joined member, or only devices their owner cross-signed. */
export type KeySharing = 'all' | 'cross-signed';

/** What a room's state says about its encryption. */
export interface RoomEncryption {
  algorithm: string;
  /** `rotation_period_ms`: how long one room key may be used. */
  rotationPeriodMs?: number;
  /** `rotation_period_msgs`: how many messages one room key may encrypt. */
  rotationPeriodMsgs?: number;
  historyVisibility: string;
}

/** The room's encryption, or null when it has no m.room.encryption state (a plain room). */
export async function readRoomEncryption(api: Pick<CryptoApi, 'getStateEvent'>, roomId: string): Promise<RoomEncryption | null> {
  const state = await api.getStateEvent(roomId, 'm.room.encryption');
  if (state === null) return null;
  const history = await api.getStateEvent(roomId, 'm.room.history_visibility');
  const room: RoomEncryption = {
    algorithm: typeof state.algorithm === 'string' ? state.algorithm : '',
    historyVisibility: typeof history?.history_visibility === 'string' ? history.history_visibility : 'shared',
  };
  if (positive(state.rotation_period_ms)) room.rotationPeriodMs = state.rotation_period_ms;
  if (positive(state.rotation_period_msgs)) room.rotationPeriodMsgs = state.rotation_period_msgs;
  return room;
}

/** The library's settings for a Megolm room (check `algorithm` first: Megolm is the only one it can encrypt with). */
export function encryptionSettings(room: RoomEncryption, sharing: KeySharing): EncryptionSettings {
  const settings = new EncryptionSettings();
  settings.algorithm = EncryptionAlgorithm.MegolmV1AesSha2;
  // The library counts in microseconds.
  if (room.rotationPeriodMs !== undefined) settings.rotationPeriod = BigInt(Math.round(room.rotationPeriodMs)) * 1000n;
  if (room.rotationPeriodMsgs !== undefined) settings.rotationPeriodMessages = BigInt(Math.round(room.rotationPeriodMsgs));
  settings.historyVisibility = HISTORY[room.historyVisibility] ?? HistoryVisibility.Shared;
  settings.sharingStrategy = sharing === 'cross-signed' ? CollectStrategy.identityBasedStrategy() : CollectStrategy.allDevices();
  return settings;
}

const HISTORY: Record<string, HistoryVisibility> = {
  invited: HistoryVisibility.Invited,
  joined: HistoryVisibility.Joined,
  shared: HistoryVisibility.Shared,
  world_readable: HistoryVisibility.WorldReadable,
};

function positive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
