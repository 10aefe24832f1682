// Cross-signing for the bot: its account's master and self-signing keys, and its device signed with them, so clients
// that show only messages from devices their owner verified still show Vigie's alerts.
import { DeviceId, UserId, type OlmMachine } from '@matrix-org/matrix-sdk-crypto-wasm';
import { CrossSigningError } from './errors.js';
import { sendOutgoingRequests, sendRequest, type CryptoApi } from './outgoing.js';

/** The private cross-signing keys (unpadded base64 seeds): whoever holds them can sign devices as the bot. */
export interface CrossSigningKeys {
  masterKey: string;
  selfSigningKey: string;
  userSigningKey: string;
}

/** What `setUp` is asked to do. */
export interface CrossSigningRequest {
  /** The account's password, for the homeserver's user-interactive auth when it asks for one. */
  login: { user: string; password: string };
  /** Keys saved by an earlier set-up (the recovery file): the new device is signed with them. */
  saved?: CrossSigningKeys;
  /** Replace the account's published keys even when they are not the saved ones. */
  reset: boolean;
}

/** What was done, and the keys to keep. */
export interface CrossSigningOutcome {
  /** `created`: the account had none; `reused`: the saved keys signed this device; `replaced`: new keys over old ones. */
  action: 'created' | 'reused' | 'replaced';
  keys: CrossSigningKeys;
  /** The public master key (base64), the bot's identity as members' clients show it. */
  masterKey: string;
}

/** The public master key the homeserver publishes for `userId`, if any. */
export async function publishedMasterKey(api: Pick<CryptoApi, 'keysQuery'>, userId: string): Promise<string | undefined> {
  const answer = await api.keysQuery({ device_keys: { [userId]: [] } });
  const master = (answer.master_keys as Record<string, { keys?: Record<string, string> }> | undefined)?.[userId];
  return master?.keys ? Object.values(master.keys)[0] : undefined;
}

/**
 * Gives the device `deviceId` of `userId` a cross-signing identity: the saved keys when they are the account's,
 * new ones when the account has none (or `reset`). The machine's device keys must already be uploaded.
 */
export async function setUpCrossSigning(machine: OlmMachine, api: CryptoApi, request: CrossSigningRequest): Promise<CrossSigningOutcome> {
  const userId = machine.userId.toString();
  const published = await publishedMasterKey(api, userId);
  // The machine learns the account's public identity from a keys query; importing checks the saved keys against it.
  await machine.updateTrackedUsers([new UserId(userId)]);
  await sendOutgoingRequests(machine, api);

  if (published !== undefined && request.saved && !request.reset) {
    await importSaved(machine, request.saved, userId, published);
    await signOwnDevice(machine, api);
    return { action: 'reused', keys: request.saved, masterKey: published };
  }
  if (published !== undefined && !request.reset) {
    throw new CrossSigningError(`${userId} already has cross-signing keys (master key ${published}), made by another client or an earlier `
      + 'login whose recovery file is not given. Give that file with --recovery-file to sign this device with them, or pass '
      + '--reset-cross-signing to replace them (members who verified the bot will be told its identity changed).');
  }

  const bootstrap = await machine.bootstrapCrossSigning(true);
  if (bootstrap.uploadKeysRequest) await sendRequest(machine, api, bootstrap.uploadKeysRequest as Parameters<typeof sendRequest>[2]);
  await api.uploadSigningKeys(JSON.parse(bootstrap.uploadSigningKeysRequest.body) as object, request.login);
  await sendRequest(machine, api, bootstrap.uploadSignaturesRequest);
  await signOwnDevice(machine, api);
  const keys = await exportKeys(machine, userId);
  const masterKey = await publishedMasterKey(api, userId);
  if (masterKey === undefined) throw new CrossSigningError(`the homeserver accepted ${userId}'s cross-signing keys but does not publish them`);
  return { action: published === undefined ? 'created' : 'replaced', keys, masterKey };
}

async function importSaved(machine: OlmMachine, saved: CrossSigningKeys, userId: string, published: string): Promise<void> {
  try {
    const status = await machine.importCrossSigningKeys(saved.masterKey, saved.selfSigningKey, saved.userSigningKey);
    if (status.hasSelfSigning) return;
  } catch {
    // Keys that do not match the published identity are refused below, with what to do.
  }
  throw new CrossSigningError(`the recovery file's keys are not ${userId}'s published cross-signing keys (master key ${published}): `
    + 'give the file written when these keys were made, or pass --reset-cross-signing to replace them');
}

/** Signs the machine's own device with the self-signing key, unless the homeserver already has that signature. */
async function signOwnDevice(machine: OlmMachine, api: CryptoApi): Promise<void> {
  await machine.updateTrackedUsers([machine.userId]);
  await sendOutgoingRequests(machine, api);
  const device = await machine.getDevice(machine.userId, new DeviceId(machine.deviceId.toString()));
  if (!device) throw new CrossSigningError(`the homeserver does not list the bot's device ${machine.deviceId.toString()}: its keys were not uploaded`);
  if (device.isCrossSignedByOwner()) return;
  await sendRequest(machine, api, await device.verify());
}

async function exportKeys(machine: OlmMachine, userId: string): Promise<CrossSigningKeys> {
  const exported = await machine.exportCrossSigningKeys();
  const { masterKey, self_signing_key: selfSigningKey, userSigningKey } = exported ?? {};
  if (!masterKey || !selfSigningKey || !userSigningKey) {
    throw new CrossSigningError(`the encryption store lost ${userId}'s new cross-signing keys before they could be saved`);
  }
  return { masterKey, selfSigningKey, userSigningKey };
}
