// The contract between room actions (a 👍, `!vigie ack`) and whatever keeps incidents (part A's incident store).

/** What acknowledging did: which monitors' incidents, or why nothing. */
export type AckOutcome =
  | { result: 'acked'; monitors: string[] }
  | { result: 'already'; by: string }
  | { result: 'none' };

/** Acknowledges incidents: resends stop and the incident's thread says who acknowledged. */
export interface Acknowledger {
  /** The open incident of `monitor` in the room, by the monitor's name (`!vigie ack <monitor>`). */
  ackMonitor(roomId: string, monitor: string, by: string): AckOutcome | Promise<AckOutcome>;
  /** The incident whose message is `eventId` (a reaction on that message). */
  ackEvent(roomId: string, eventId: string, by: string): AckOutcome | Promise<AckOutcome>;
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
