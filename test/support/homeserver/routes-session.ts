// Server discovery and sessions: versions, .well-known, login (rate-limited like Synapse), logout, whoami, admin overrides.
import type { RateLimitOverride } from './accounts.js';
import { badRequest, forbidden, HsError, notFound } from './errors.js';
import type { RequestCtx, Route } from './router.js';

const SYNAPSE_PAGE = '<!DOCTYPE html><html lang="en"><head><title>Synapse is running</title></head>'
  + '<body><h1>It works! Synapse is running</h1><p>Your Synapse server is listening on this port and is ready for messages.</p></body></html>';

/** The user a login names: `identifier` (m.id.user) or the legacy top-level `user`. */
function loginUser(body: Record<string, unknown>): string {
  const identifier = body.identifier as Record<string, unknown> | undefined;
  if (identifier !== undefined) {
    if (typeof identifier !== 'object' || identifier === null) throw badRequest('M_INVALID_PARAM', 'Invalid login submission');
    if (identifier.type !== 'm.id.user') {
      if (identifier.type === 'm.id.thirdparty') throw forbidden('Invalid username or password');
      throw badRequest('M_UNKNOWN', 'Unknown login identifier type');
    }
    if (typeof identifier.user !== 'string') throw badRequest('M_MISSING_PARAM', "User identifier is missing 'user' key");
    return identifier.user;
  }
  if (typeof body.user === 'string') return body.user;
  throw badRequest('M_MISSING_PARAM', 'Missing param: identifier');
}

async function login(ctx: RequestCtx): Promise<{ body: unknown }> {
  const { hs } = ctx;
  const body = ctx.json();
  if (body.type !== 'm.login.password') throw badRequest('M_UNKNOWN', `Unknown login type ${String(body.type)}`);
  hs.limits.loginAddress.check(ctx.remoteAddress);
  const typed = loginUser(body);
  const userId = hs.accounts.find(typed);
  const key = (userId ?? (typed.startsWith('@') ? typed : `@${typed}:${hs.serverName}`)).toLowerCase();
  hs.limits.loginFailures.check(key, { update: false });
  if (typeof body.password !== 'string') throw badRequest('M_MISSING_PARAM', 'Missing parameter: password');
  if (userId === undefined || !hs.accounts.passwordMatches(userId, body.password)) {
    try {
      hs.limits.loginFailures.check(key);
    } catch {
      // Recording the failure is what matters; the 403 below is the answer.
    }
    throw forbidden('Invalid username or password');
  }
  hs.limits.loginAccount.check(key);
  const deviceId = typeof body.device_id === 'string' ? body.device_id : undefined;
  const displayName = typeof body.initial_device_display_name === 'string' ? body.initial_device_display_name : undefined;
  const { token, deviceId: device } = hs.accounts.issueToken(userId, deviceId, displayName);
  const answer: Record<string, unknown> = { user_id: userId, access_token: token, home_server: hs.serverName, device_id: device };
  const wellKnown = hs.wellKnown();
  if (wellKnown !== undefined) answer.well_known = wellKnown;
  return { body: answer };
}

/** The admin API checks: an admin caller, a local and existing target user. */
function adminTarget(ctx: RequestCtx): string {
  if (!ctx.hs.accounts.isAdmin(ctx.session?.userId ?? '')) throw forbidden('You are not a server admin');
  const userId = ctx.params.userId ?? '';
  if (!userId.endsWith(`:${ctx.hs.serverName}`)) throw badRequest('M_UNKNOWN', 'Can only look up local users');
  if (!ctx.hs.accounts.exists(userId)) throw notFound('User not found');
  return userId;
}

function overrideValue(body: Record<string, unknown>, name: keyof RateLimitOverride): number {
  const value = body[name] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new HsError(400, 'M_INVALID_PARAM', `${name} must be a positive integer`);
  }
  return value;
}

const OVERRIDE_PATH = '/_synapse/admin/v1/users/:userId/override_ratelimit';

/** Routes for versions, .well-known, login/logout/whoami and Synapse's rate-limit override. */
export const sessionRoutes: Route[] = [
  { method: 'GET', path: '/', auth: false, handle: () => ({ status: 302, headers: { location: '/_matrix/static/' }, html: '' }) },
  { method: 'GET', path: '/_matrix/static/', auth: false, handle: () => ({ html: SYNAPSE_PAGE }) },
  { method: 'GET', path: '/_matrix/client/versions', auth: false,
    handle: (ctx) => ({ body: { versions: ctx.hs.versions, unstable_features: {} } }) },
  { method: 'GET', path: '/.well-known/matrix/client', auth: false, handle: (ctx) => {
    const doc = ctx.hs.wellKnown();
    if (doc === undefined) throw notFound('.well-known not available');
    return { body: doc };
  } },
  { method: 'GET', path: '/_matrix/client/{v}/login', auth: false, handle: () => ({ body: { flows: [{ type: 'm.login.password' }] } }) },
  { method: 'POST', path: '/_matrix/client/{v}/login', auth: false, handle: login },
  // Synapse deletes the device on logout, and with it the device's encryption keys.
  { method: 'POST', path: '/_matrix/client/{v}/logout', auth: true, handle: (ctx) => {
    ctx.hs.accounts.revoke(ctx.token ?? '');
    if (ctx.session) ctx.hs.e2ee.deleteDevice(ctx.session.userId, ctx.session.deviceId);
    return { body: {} };
  } },
  { method: 'POST', path: '/_matrix/client/{v}/logout/all', auth: true, handle: (ctx) => {
    const userId = ctx.session?.userId ?? '';
    ctx.hs.accounts.revokeAll(userId);
    for (const deviceId of [...ctx.hs.e2ee.devices(userId).keys()]) ctx.hs.e2ee.deleteDevice(userId, deviceId);
    return { body: {} };
  } },
  { method: 'GET', path: '/_matrix/client/{v}/account/whoami', auth: true,
    handle: (ctx) => ({ body: { user_id: ctx.session?.userId, is_guest: false, device_id: ctx.session?.deviceId } }) },
  { method: 'GET', path: OVERRIDE_PATH, auth: true, handle: (ctx) => ({ body: ctx.hs.accounts.overrides.get(adminTarget(ctx)) ?? {} }) },
  { method: 'POST', path: OVERRIDE_PATH, auth: true, handle: (ctx) => {
    const userId = adminTarget(ctx);
    const body = ctx.json({ allowEmpty: true });
    const value = { messages_per_second: overrideValue(body, 'messages_per_second'), burst_count: overrideValue(body, 'burst_count') };
    ctx.hs.accounts.overrides.set(userId, value);
    return { body: value };
  } },
  { method: 'DELETE', path: OVERRIDE_PATH, auth: true, handle: (ctx) => {
    ctx.hs.accounts.overrides.delete(adminTarget(ctx));
    return { body: {} };
  } },
];
