// Key endpoints as Synapse serves them: upload, query, claim, signature upload, and cross-signing upload behind
// user-interactive auth (m.login.password). Signatures are stored, not verified: clients verify them.
import type { Session } from './accounts.js';
import { badRequest } from './errors.js';
import type { Signed } from './e2ee.js';
import type { Reply, RequestCtx, Route } from './router.js';

const KEYS = '/_matrix/client/{v}/keys';
/** The user-interactive auth flows this server offers for cross-signing uploads. */
const UIA_FLOWS = [{ stages: ['m.login.password'] }];

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {});
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function upload(ctx: RequestCtx): { body: unknown } {
  const { userId, deviceId } = ctx.session as Session;
  const body = ctx.json();
  const e2ee = ctx.hs.e2ee;
  if (body.device_keys !== undefined) {
    const keys = record(body.device_keys) as Signed;
    if (keys.user_id !== userId || keys.device_id !== deviceId) {
      throw badRequest('M_INVALID_PARAM', 'Can only upload keys for the authenticated user and device');
    }
    const before = e2ee.deviceKeys(userId, deviceId);
    if (!sameJson(before, keys)) {
      e2ee.setDeviceKeys(userId, deviceId, keys);
      e2ee.markChanged(userId);
    }
  }
  const stored = e2ee.oneTimeKeys(userId, deviceId);
  for (const [keyId, key] of Object.entries(record(body.one_time_keys))) {
    const existing = stored.get(keyId);
    if (existing !== undefined && !sameJson(existing, key)) {
      throw badRequest('M_UNKNOWN', `One time key ${keyId} already exists. Old key: ${JSON.stringify(existing)}; new key: ${JSON.stringify(key)}`);
    }
    stored.set(keyId, key as Signed);
  }
  const fallback = body.fallback_keys ?? body['org.matrix.msc2732.fallback_keys'];
  if (fallback !== undefined) e2ee.setFallbackKeys(userId, deviceId, record(fallback) as Record<string, Signed>);
  return { body: { one_time_key_counts: e2ee.oneTimeKeyCounts(userId, deviceId) } };
}

function query(ctx: RequestCtx): { body: unknown } {
  const requester = (ctx.session as Session).userId;
  const e2ee = ctx.hs.e2ee;
  const deviceKeys: Record<string, Record<string, unknown>> = {};
  const master: Record<string, unknown> = {};
  const selfSigning: Record<string, unknown> = {};
  const userSigning: Record<string, unknown> = {};
  for (const [userId, wanted] of Object.entries(record(ctx.json().device_keys))) {
    const ids = Array.isArray(wanted) ? wanted.filter((d): d is string => typeof d === 'string') : [];
    const out: Record<string, unknown> = {};
    for (const [deviceId, keys] of e2ee.devices(userId)) {
      if (ids.length === 0 || ids.includes(deviceId)) out[deviceId] = { ...keys, unsigned: {} };
    }
    deviceKeys[userId] = out;
    const cross = e2ee.crossSigning(userId);
    if (cross.master) master[userId] = cross.master;
    if (cross.self_signing) selfSigning[userId] = cross.self_signing;
    if (cross.user_signing && userId === requester) userSigning[userId] = cross.user_signing;
  }
  return {
    body: { device_keys: deviceKeys, failures: {}, master_keys: master, self_signing_keys: selfSigning, user_signing_keys: userSigning },
  };
}

function claim(ctx: RequestCtx): { body: unknown } {
  const e2ee = ctx.hs.e2ee;
  const claimed: Record<string, Record<string, Record<string, Signed>>> = {};
  for (const [userId, devices] of Object.entries(record(ctx.json().one_time_keys))) {
    for (const [deviceId, algorithm] of Object.entries(record(devices))) {
      if (typeof algorithm !== 'string') throw badRequest('M_BAD_JSON', 'one_time_keys values must be algorithm names');
      const key = e2ee.claim(userId, deviceId, algorithm);
      if (!key) continue;
      const forUser = (claimed[userId] ??= {});
      forUser[deviceId] = { [key[0]]: key[1] };
    }
  }
  return { body: { one_time_keys: claimed, failures: {} } };
}

/** The object a signature upload targets: one of the user's devices, or the user's master key by its public key. */
function signatureTarget(ctx: RequestCtx, userId: string, keyId: string): Signed | undefined {
  const device = ctx.hs.e2ee.deviceKeys(userId, keyId);
  if (device) return device;
  const master = ctx.hs.e2ee.crossSigning(userId).master;
  const keys = record(master?.keys);
  return keys[`ed25519:${keyId}`] !== undefined ? master : undefined;
}

function uploadSignatures(ctx: RequestCtx): { body: unknown } {
  const failures: Record<string, Record<string, unknown>> = {};
  for (const [userId, targets] of Object.entries(record(ctx.json()))) {
    for (const [keyId, signed] of Object.entries(record(targets))) {
      const target = signatureTarget(ctx, userId, keyId);
      if (!target) {
        (failures[userId] ??= {})[keyId] = { errcode: 'M_INVALID_SIGNATURE', error: 'Unknown key' };
        continue;
      }
      const added = record(record(signed).signatures) as Record<string, Record<string, string>>;
      const merged = { ...target.signatures };
      for (const [signer, sigs] of Object.entries(added)) merged[signer] = { ...merged[signer], ...sigs };
      target.signatures = merged;
      ctx.hs.e2ee.markChanged(userId);
    }
  }
  return { body: { failures } };
}

/**
 * The 401 answer Synapse's user-interactive auth gives until an m.login.password stage is valid: flows and a
 * session, plus an errcode once a wrong password was tried; undefined once the password is right.
 */
function passwordStage(ctx: RequestCtx, auth: Record<string, unknown>): Reply | undefined {
  const { hs } = ctx;
  const userId = (ctx.session as Session).userId;
  const known = typeof auth.session === 'string' && hs.e2ee.uiaSessions.has(auth.session);
  const session = known ? auth.session as string : hs.e2ee.newUiaSession(userId);
  const challenge = (error?: { errcode: string; error: string }): Reply => ({ status: 401, body: { ...error, flows: UIA_FLOWS, params: {}, session } });
  if (Object.keys(auth).length === 0) return challenge();
  if (auth.type !== 'm.login.password') return challenge({ errcode: 'M_UNRECOGNIZED', error: `Unrecognised login type ${String(auth.type)}` });
  const identifier = record(auth.identifier);
  const typed = typeof identifier.user === 'string' ? identifier.user : typeof auth.user === 'string' ? auth.user : '';
  if (hs.accounts.find(typed) !== userId || typeof auth.password !== 'string' || !hs.accounts.passwordMatches(userId, auth.password)) {
    return challenge({ errcode: 'M_FORBIDDEN', error: 'Invalid username or password' });
  }
  hs.e2ee.uiaSessions.delete(session);
  return undefined;
}

function uploadSigningKeys(ctx: RequestCtx): Reply {
  const userId = (ctx.session as Session).userId;
  const body = ctx.json();
  const keys = ctx.hs.e2ee.crossSigning(userId);
  // MSC3967, as Synapse does it: the first keys need no password, replacing them does.
  if (keys.master !== undefined) {
    const refused = passwordStage(ctx, record(body.auth));
    if (refused) return refused;
  }
  for (const [field, slot] of [['master_key', 'master'], ['self_signing_key', 'self_signing'], ['user_signing_key', 'user_signing']] as const) {
    const key = record(body[field]);
    if (body[field] === undefined) continue;
    if (key.user_id !== userId) throw badRequest('M_INVALID_PARAM', `${field} must belong to the authenticated user`);
    keys[slot] = key;
  }
  ctx.hs.e2ee.markChanged(userId);
  return { body: {} };
}

/** Routes for /keys/*. */
export const keyRoutes: Route[] = [
  { method: 'POST', path: `${KEYS}/upload`, auth: true, handle: upload },
  { method: 'POST', path: `${KEYS}/query`, auth: true, handle: query },
  { method: 'POST', path: `${KEYS}/claim`, auth: true, handle: claim },
  { method: 'POST', path: `${KEYS}/signatures/upload`, auth: true, handle: uploadSignatures },
  { method: 'POST', path: `${KEYS}/device_signing/upload`, auth: true, handle: uploadSigningKeys },
];
