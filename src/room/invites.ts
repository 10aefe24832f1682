// Invites: joined only when the inviter is allowed (commands.allowInvitesFrom) or the room is a configured one.
import type { Logger } from '../logging.js';

/** Whether `userId` matches one of the patterns: a user id, or `*:server` for every user of a server. */
export function inviterAllowed(userId: string, patterns: readonly string[]): boolean {
  const server = userId.slice(userId.indexOf(':') + 1);
  return patterns.some((p) => p === userId || (p.startsWith('*:') && userId.includes(':') && p.slice(2) === server));
}

/** What invites need of the Matrix client (MatrixClient fits). */
export interface InviteApi {
  joinRoom(roomIdOrAlias: string): Promise<{ roomId: string }>;
  resolveAlias(alias: string): Promise<{ roomId: string }>;
}

/** What the invite handler is built with. */
export interface InviteDeps {
  api: InviteApi;
  /** commands.allowInvitesFrom. */
  allowFrom: readonly string[];
  /** The configured rooms (ids or aliases): invites to them are always accepted. */
  rooms: readonly string[];
  logger: Logger;
}

/** Accepts or ignores invites, one log line each. */
export class InviteHandler {
  private readonly log: Logger;
  private configured: Promise<Set<string>> | undefined;

  constructor(private readonly deps: InviteDeps) {
    this.log = deps.logger.child({ component: 'invites' });
  }

  /** Joins the room if allowed; never throws (a failed join is logged). */
  async onInvite(roomId: string, inviter: string): Promise<void> {
    const allowedUser = inviterAllowed(inviter, this.deps.allowFrom);
    if (!allowedUser && !(await this.configuredRooms()).has(roomId)) {
      this.log.info({ roomId, inviter }, 'invite ignored: neither the inviter is in commands.allowInvitesFrom nor the room under rooms:');
      return;
    }
    try {
      await this.deps.api.joinRoom(roomId);
      this.log.info({ roomId, inviter }, 'invite accepted: joined the room');
    } catch (error) {
      this.log.warn({ roomId, inviter, err: error instanceof Error ? error.message : String(error) },
        'invite allowed but joining failed; invite Vigie again to retry');
    }
  }

  /** The configured rooms as ids; an alias that cannot be resolved now is tried again at the next invite. */
  private async configuredRooms(): Promise<Set<string>> {
    this.configured ??= this.resolve();
    const rooms = await this.configured;
    if (rooms.size < this.deps.rooms.length) this.configured = undefined;
    return rooms;
  }

  private async resolve(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const room of this.deps.rooms) {
      if (!room.startsWith('#')) {
        ids.add(room);
        continue;
      }
      try {
        ids.add((await this.deps.api.resolveAlias(room)).roomId);
      } catch (error) {
        this.log.warn({ alias: room, err: error instanceof Error ? error.message : String(error) }, 'cannot resolve a configured room alias to check an invite');
      }
    }
    return ids;
  }
}
