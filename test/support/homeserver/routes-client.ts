// What a full client (matrix-js-sdk) asks for at start-up besides /sync: push rules, capabilities, key backup.
import { notFound } from './errors.js';
import type { Route } from './router.js';

/** No push rules at all: enough for a client to start; nothing here sends notifications. */
const EMPTY_PUSH_RULES = { global: { override: [], content: [], room: [], sender: [], underride: [] } };

/** Routes a client needs to finish starting. */
export const clientRoutes: Route[] = [
  { method: 'GET', path: '/_matrix/client/{v}/pushrules/', auth: true, handle: () => ({ body: EMPTY_PUSH_RULES }) },
  { method: 'GET', path: '/_matrix/client/{v}/capabilities', auth: true, handle: () => ({
    body: { capabilities: { 'm.change_password': { enabled: false }, 'm.room_versions': { default: '10', available: { 10: 'stable' } } } },
  }) },
  // Synapse's answer when the user never created a server-side key backup.
  { method: 'GET', path: '/_matrix/client/{v}/room_keys/version', auth: true, handle: () => {
    throw notFound('No current backup version');
  } },
];
