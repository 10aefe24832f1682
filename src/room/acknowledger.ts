// The contract between room actions (a 👍, `!vigie ack`) and whatever keeps incidents (part A's incident store).

/** What acknowledging did: which monitors' incidents, or why nothing. */
export type AckOutcome =
  | { result: 'acked'; monitors: string[] }
  | { result: 'already'; by: string }
  | { result: 'none' };

/** What taking back an acknowledging reaction did: which monitors' reminders resume, or why nothing. */
export type WithdrawOutcome =
  | { result: 'withdrawn'; monitors: string[] }
  /** Another reaction, or a command, still acknowledges. */
  | { result: 'kept' }
  | { result: 'none' };

/** Acknowledges incidents: resends stop and the incident's thread says who acknowledged. */
export interface Acknowledger {
  /** The open incident of `monitor` in the room, by the monitor's name (`!vigie ack <monitor>`). */
  ackMonitor(roomId: string, monitor: string, by: string): AckOutcome | Promise<AckOutcome>;
  /** The incident whose message is `eventId`, by the reaction `reactionId` on that message. */
  ackEvent(roomId: string, eventId: string, by: string, reactionId?: string): AckOutcome | Promise<AckOutcome>;
  /** A reaction that acknowledged was taken back (redacted, by `by`): the acknowledgement goes unless another holds it. */
  withdrawReaction?(roomId: string, reactionId: string, by: string): WithdrawOutcome | Promise<WithdrawOutcome>;
  /** The incidents open in the room, oldest first (status shows those of every source, Kuma's included). */
  openIn?(roomId: string): Promise<OpenIncidentView[]>;
}

/** An open incident as `!vigie status` shows it. */
export interface OpenIncidentView {
  monitor: string;
  /** `monitor` for Vigie's own monitors, `uptime-kuma:<name>` for a Kuma source. */
  source: string;
  startedAt: number;
  ackedBy: string | null;
}

/** Until incidents are kept, there is never an open incident to acknowledge. */
export const NO_INCIDENTS: Acknowledger = {
  ackMonitor: () => ({ result: 'none' }),
  ackEvent: () => ({ result: 'none' }),
};
