// The one thing the deliverer needs from Matrix, so it can be tested without a homeserver.

/** What the deliverer needs from Matrix; MatrixClient.sendEvent fits it. */
export interface EventSender {
  /** PUTs one event with the caller's txnId; throws MatrixError (HTTP answer) or MatrixNetworkError (no answer). */
  sendEvent(roomId: string, type: string, txnId: string, content: object, signal?: AbortSignal): Promise<{ eventId: string }>;
  /**
   * The event already in the room for this txnId (sent by this device since `sinceMs`), or undefined: for a message
   * whose earlier attempt may have arrived, once the homeserver no longer remembers its txnId.
   */
  findSent?(roomId: string, txnId: string, sinceMs: number, signal?: AbortSignal): Promise<string | undefined>;
}
