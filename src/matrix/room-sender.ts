// The deliverer's way into Matrix: finds the homeserver and resolves room aliases on first use, then sends.
import type { EventSender } from '../delivery/sender.js';
import { MatrixClient } from './client.js';
import { discoverHomeserver, DiscoveryError } from './discovery.js';
import { MatrixNetworkError } from './errors.js';

/** How the room sender reaches the homeserver. */
export interface RoomSenderOptions {
  /** A base URL (used as is) or a bare domain (found through .well-known on first use). */
  homeserver: string;
  accessToken: string;
  timeoutMs: number;
}

/**
 * An EventSender that is usable before the homeserver answers: discovery and alias resolution happen at the first
 * send, and their failures are network errors the deliverer retries, so a homeserver that is down at start-up
 * delays alerts instead of stopping Vigie.
 */
export class RoomSender implements EventSender {
  private client: MatrixClient | undefined;
  private readonly roomIds = new Map<string, string>();

  constructor(private readonly options: RoomSenderOptions) {}

  /** The client, once the homeserver is known. */
  async connect(): Promise<MatrixClient> {
    if (this.client) return this.client;
    const baseUrl = await this.baseUrl();
    this.client = new MatrixClient({ baseUrl, accessToken: this.options.accessToken, timeoutMs: this.options.timeoutMs });
    return this.client;
  }

  async sendEvent(room: string, type: string, txnId: string, content: object, signal?: AbortSignal): Promise<{ eventId: string }> {
    const client = await this.connect();
    return client.sendEvent(await this.resolveRoom(room), type, txnId, content, signal);
  }

  async findSent(room: string, txnId: string, sinceMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const client = await this.connect();
    return client.findSentEvent(await this.resolveRoom(room), txnId, sinceMs, signal);
  }

  /** The room id for a configured room: an id as is, an alias resolved once. */
  async resolveRoom(room: string): Promise<string> {
    if (!room.startsWith('#')) return room;
    let roomId = this.roomIds.get(room);
    if (!roomId) {
      roomId = (await (await this.connect()).resolveAlias(room)).roomId;
      this.roomIds.set(room, roomId);
    }
    return roomId;
  }

  private async baseUrl(): Promise<string> {
    const { homeserver } = this.options;
    if (/^https?:\/\//i.test(homeserver)) return homeserver.replace(/\/+$/, '');
    try {
      return (await discoverHomeserver(homeserver, { timeoutMs: this.options.timeoutMs })).baseUrl;
    } catch (error) {
      // Not knowing the homeserver yet is like not reaching it: retry later, keep the alerts.
      if (error instanceof DiscoveryError) throw new MatrixNetworkError(error.message, { cause: error });
      throw error;
    }
  }
}
