// Sends the OlmMachine's outgoing requests (keys upload/query/claim, to-device, signatures) and reports each answer back.
import {
  RequestType, type OlmMachine, type RoomMessageRequest, type ToDeviceRequest,
} from '@matrix-org/matrix-sdk-crypto-wasm';
import type { MatrixClient } from '../matrix/client.js';

/** The calls the crypto driver makes; MatrixClient has them all. */
export type CryptoApi = Pick<MatrixClient,
  'keysUpload' | 'keysQuery' | 'keysClaim' | 'sendToDevice' | 'signaturesUpload' | 'uploadSigningKeys' | 'sync' | 'joinedMembers' | 'getStateEvent' | 'sendEvent' | 'whoami'>;

/** A request as the machine hands it out: an id, a type, a JSON body. */
interface Outgoing {
  readonly id: string | undefined;
  readonly type: RequestType;
  readonly body: string;
}

/** Sends one request and tells the machine its answer; a failure throws and leaves it queued in the machine. */
export async function sendRequest(machine: OlmMachine, api: CryptoApi, request: Outgoing, signal?: AbortSignal): Promise<void> {
  const answer = await send(api, request, signal);
  if (answer === undefined || request.id === undefined) return;
  await machine.markRequestAsSent(request.id, request.type, JSON.stringify(answer));
}

/** Sends everything the machine has queued (once each), in its order. */
export async function sendOutgoingRequests(machine: OlmMachine, api: CryptoApi, signal?: AbortSignal): Promise<number> {
  const requests = await machine.outgoingRequests() as Outgoing[];
  for (const request of requests) await sendRequest(machine, api, request, signal);
  return requests.length;
}

async function send(api: CryptoApi, request: Outgoing, signal: AbortSignal | undefined): Promise<object | undefined> {
  if (signal?.aborted) throw signal.reason;
  const body = JSON.parse(request.body) as object;
  switch (request.type) {
    case RequestType.KeysUpload: return api.keysUpload(body);
    case RequestType.KeysQuery: return api.keysQuery(body);
    case RequestType.KeysClaim: return api.keysClaim(body);
    case RequestType.SignatureUpload: return api.signaturesUpload(body);
    case RequestType.ToDevice: {
      const toDevice = request as unknown as ToDeviceRequest;
      return api.sendToDevice(toDevice.event_type, toDevice.txn_id, body);
    }
    case RequestType.RoomMessage: {
      // Verification messages in a room; the answer the machine wants is the event id.
      const message = request as unknown as RoomMessageRequest;
      const { eventId } = await api.sendEvent(message.room_id, message.event_type, message.txn_id, body, signal);
      return { event_id: eventId };
    }
    case RequestType.KeysBackup:
      // Vigie keeps no server-side key backup: the bot only sends, it never needs old room keys back.
      return undefined;
  }
}
