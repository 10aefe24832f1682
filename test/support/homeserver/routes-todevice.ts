// PUT /sendToDevice/{eventType}/{txnId}: routes messages to devices (`*` = every device of a user), once per txnId.
import type { Session } from './accounts.js';
import { badRequest } from './errors.js';
import type { RequestCtx, Route } from './router.js';

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});

function sendToDevice(ctx: RequestCtx): { body: unknown } {
  const session = ctx.session as Session;
  const { eventType = '', txnId = '' } = ctx.params;
  const e2ee = ctx.hs.e2ee;
  // Like room sends, transactions are scoped to the sending device.
  const key = `${session.userId}|${session.deviceId}|${eventType}|${txnId}`;
  if (e2ee.toDeviceTxns.has(key)) return { body: {} };
  const body = ctx.json();
  if (typeof body.messages !== 'object' || body.messages === null) throw badRequest('M_MISSING_PARAM', 'Missing messages');
  for (const [userId, devices] of Object.entries(record(body.messages))) {
    for (const [deviceId, content] of Object.entries(record(devices))) {
      const targets = deviceId === '*' ? [...e2ee.devices(userId).keys()] : [deviceId];
      for (const target of targets) e2ee.deliver(session, eventType, userId, target, content);
    }
  }
  e2ee.toDeviceTxns.add(key);
  return { body: {} };
}

/** Routes for to-device messaging. */
export const toDeviceRoutes: Route[] = [
  { method: 'PUT', path: '/_matrix/client/{v}/sendToDevice/:eventType/:txnId', auth: true, handle: sendToDevice },
];
