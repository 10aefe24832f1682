// The test homeserver in a process of its own (for benchmarks: its CPU must not compete with Vigie's event loop).
// Spawned by homeserver-process.ts with an IPC channel; the rate limit is off unless HS_MESSAGE_RATE="perSecond,burst".
import { startHomeserver, type RateLimit } from './homeserver.js';

/** Requests from the parent; each gets one reply with the same `id`. */
export type HsChildRequest =
  | { id: number; type: 'createRooms'; count: number }
  | { id: number; type: 'count'; roomIds: string[] }
  | { id: number; type: 'close' };

/** Replies to the parent; `ready` comes first, unasked. */
export type HsChildReply =
  | { type: 'ready'; url: string; token: string; userId: string }
  | { id: number; type: 'rooms'; roomIds: string[] }
  | { id: number; type: 'counts'; counts: number[] }
  | { id: number; type: 'closed' }
  | { id: number; type: 'error'; message: string };

function messageRate(value: string | undefined): RateLimit | false {
  if (value === undefined || value === '') return false;
  const [perSecond, burst] = value.split(',').map(Number);
  if (!Number.isFinite(perSecond) || !Number.isFinite(burst)) throw new Error(`HS_MESSAGE_RATE must be "perSecond,burst", got "${value}"`);
  return { perSecond: perSecond!, burst: burst! };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('homeserver-child.ts talks over IPC: spawn it with an "ipc" stdio entry');
  const reply = (message: HsChildReply): void => void process.send?.(message);
  const hs = await startHomeserver({ messageRateLimit: messageRate(process.env.HS_MESSAGE_RATE), loginRateLimit: false });
  const owner = hs.registerUser('owner', 'owner-pw');
  const userId = hs.registerUser('vigie', 'bot-pw');
  const token = hs.issueToken(userId, 'VIGIEBOT');
  process.on('message', (request: HsChildRequest) => {
    try {
      switch (request.type) {
        case 'createRooms': {
          const roomIds = Array.from({ length: request.count }, () => hs.createRoom({ creator: owner, join: [userId] }));
          return reply({ id: request.id, type: 'rooms', roomIds });
        }
        case 'count':
          return reply({ id: request.id, type: 'counts', counts: request.roomIds.map((roomId) => hs.messages(roomId).length) });
        case 'close':
          void hs.close().then(() => {
            reply({ id: request.id, type: 'closed' });
            process.disconnect();
          });
      }
    } catch (error) {
      reply({ id: request.id, type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
  // The parent gone (even killed) means nobody needs this server any more.
  process.on('disconnect', () => void hs.close());
  reply({ type: 'ready', url: hs.url, token, userId });
}

main().catch((error: unknown) => {
  process.stderr.write(`homeserver-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
