// A Kuma webhook's event from what its request carried: the same code in the request handler and the render worker.
import type { AlertEvent } from '../alert/event.js';
import type { UptimeKumaSourceConfig } from '../config/schema.js';
import type { DecodedBody } from './body.js';
import { KUMA_TEXT_TEMPLATE, kumaEventFromPayload, kumaEventFromText } from './kuma-event.js';

/** What of a source the event needs (its token stays with the request handler). */
export type WebhookSource = Pick<UptimeKumaSourceConfig, 'name' | 'template' | 'rooms'>;

/** The event, and the template the source asks for (undefined: the route's). */
export interface WebhookEvent {
  event: AlertEvent;
  template?: string;
}

/** Kuma's JSON, form-data and query are its payload; any other body is its rendered text, read for its alert line. */
export function webhookEvent(decoded: DecodedBody, source: WebhookSource, now: Date): WebhookEvent {
  const options = { source: `uptime-kuma:${source.name}`, now };
  let event: AlertEvent;
  let template = source.template;
  if (decoded.kind === 'payload') {
    event = kumaEventFromPayload(decoded.payload, options);
  } else {
    const read = kumaEventFromText(decoded.text, options, decoded.candidates);
    event = read.event;
    // A text we cannot read is already the message its author wanted: print it as it is.
    if (!read.recognised) template = KUMA_TEXT_TEMPLATE;
  }
  if (source.rooms) event.allowedRooms = source.rooms;
  return { event, template };
}
