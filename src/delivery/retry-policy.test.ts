import { describe, it, expect } from 'vitest';
import { MatrixError, MatrixNetworkError } from '../matrix/errors.js';
import { DEFAULT_RETRY_POLICY, backoffMs, decideRetry, describeFailure, mayHaveArrived, type RetryPolicy } from './retry-policy.js';

const policy = (random = 0.5): RetryPolicy => ({ ...DEFAULT_RETRY_POLICY, random: () => random });
const ctx = { roomId: '!ops:example.org', pendingInRoom: 3, pendingTotal: 7 };
const mx = (errcode: string, status: number, retryAfterMs?: number, message = 'server says no'): MatrixError => new MatrixError(errcode, status, message, retryAfterMs);

describe('decideRetry', () => {
  it.each([
    ['429 with retry_after_ms waits that, plus 2 ms for clock granularity', mx('M_LIMIT_EXCEEDED', 429, 4423), 1, { action: 'retry', kind: 'rate-limit', delayMs: 4425 }],
    ['429 without a hint waits 5 s', mx('M_LIMIT_EXCEEDED', 429), 1, { action: 'retry', kind: 'rate-limit', delayMs: 5000 }],
    ['429 saying 0 ms (Synapse truncates) waits a moment, never 0', mx('M_LIMIT_EXCEEDED', 429, 0), 1, { action: 'retry', kind: 'rate-limit', delayMs: 50 }],
    ['a rate limit does not grow with the attempt number', mx('M_LIMIT_EXCEEDED', 429, 800), 9, { action: 'retry', kind: 'rate-limit', delayMs: 802 }],
    ['M_LIMIT_EXCEEDED on a 400 is a rate limit too', mx('M_LIMIT_EXCEEDED', 400, 1200), 1, { action: 'retry', kind: 'rate-limit', delayMs: 1202 }],
    ['502: first backoff 1 s', mx('M_UNKNOWN', 502), 1, { action: 'retry', kind: 'server', delayMs: 1000 }],
    ['503, third failure: 4 s', mx('M_UNKNOWN', 503), 3, { action: 'retry', kind: 'server', delayMs: 4000 }],
    ['408 is transient', mx('M_UNKNOWN', 408), 2, { action: 'retry', kind: 'server', delayMs: 2000 }],
    ['no answer: backoff', new MatrixNetworkError('ECONNREFUSED'), 2, { action: 'retry', kind: 'network', delayMs: 2000 }],
    ['anything else is a bug: backoff', new TypeError('x is undefined'), 1, { action: 'retry', kind: 'bug', delayMs: 1000 }],
    ['backoff is capped at 5 min', mx('M_UNKNOWN', 500), 30, { action: 'retry', kind: 'server', delayMs: 300_000 }],
    ['M_UNKNOWN_TOKEN parks every room', mx('M_UNKNOWN_TOKEN', 401), 1, { action: 'park', scope: 'all' }],
    ['M_MISSING_TOKEN parks every room', mx('M_MISSING_TOKEN', 401), 1, { action: 'park', scope: 'all' }],
    ['a bare 401 parks every room', mx('M_UNKNOWN', 401), 1, { action: 'park', scope: 'all' }],
    ['a deactivated bot parks every room', mx('M_USER_DEACTIVATED', 403), 1, { action: 'park', scope: 'all' }],
    ['an unknown endpoint (not a homeserver) parks every room', mx('M_UNRECOGNIZED', 404), 1, { action: 'park', scope: 'all' }],
    ['M_FORBIDDEN parks the room', mx('M_FORBIDDEN', 403), 1, { action: 'park', scope: 'room' }],
    ['M_NOT_FOUND parks the room', mx('M_NOT_FOUND', 404), 1, { action: 'park', scope: 'room' }],
    ['another 4xx parks the room', mx('M_UNKNOWN', 400), 1, { action: 'park', scope: 'room' }],
    ['a redirect parks every room (retrying never follows it)', mx('M_UNKNOWN', 301), 1, { action: 'park', scope: 'all' }],
    ['Synapse refusing a relation rejects that message only', mx('M_UNKNOWN', 400, undefined, 'Can\'t send relation to unknown event'), 1, { action: 'reject' }],
    ['an invalid parameter rejects that message only', mx('M_INVALID_PARAM', 400), 1, { action: 'reject' }],
    ['M_TOO_LARGE rejects the message', mx('M_TOO_LARGE', 413), 1, { action: 'reject' }],
    ['a bare 413 rejects the message', mx('M_UNKNOWN', 413), 1, { action: 'reject' }],
    ['M_BAD_JSON rejects the message', mx('M_BAD_JSON', 400), 1, { action: 'reject' }],
    ['M_NOT_JSON rejects the message', mx('M_NOT_JSON', 400), 1, { action: 'reject' }],
  ])('%s', (_title, error, attempt, expected) => {
    expect(decideRetry(error, attempt, policy(), ctx)).toMatchObject(expected);
  });

  it('tells a person what to do about a refused token, and that alerts are kept', () => {
    const d = decideRetry(mx('M_UNKNOWN_TOKEN', 401), 1, policy(), ctx);
    expect(d).toEqual({
      action: 'park', scope: 'all',
      reason: 'the access token was refused (M_UNKNOWN_TOKEN): it was revoked or is wrong. Run `vigie login`, update the token, and restart Vigie; the 7 pending alerts are kept and will be sent.',
    });
  });

  it('names the room, the server words and the fix when the bot may not post', () => {
    const d = decideRetry(new MatrixError('M_FORBIDDEN', 403, 'User @bot:x not in room'), 1, policy(), ctx);
    expect(d).toMatchObject({ action: 'park', scope: 'room' });
    expect(d.action === 'park' && d.reason).toBe(
      'the bot is not allowed to post in room !ops:example.org (M_FORBIDDEN: User @bot:x not in room). Invite the bot or raise its power level, then run `vigie doctor --fix`; the 3 pending alerts for this room are kept (retried every 5 min).',
    );
  });

  it('says a rejected alert was set aside and the room goes on', () => {
    const d = decideRetry(mx('M_TOO_LARGE', 413), 1, policy(), { ...ctx, pendingInRoom: 1 });
    expect(d.action === 'reject' && d.reason).toMatch(/^room !ops:example.org will never accept this alert as it is \(HTTP 413 M_TOO_LARGE: server says no\).*later alerts go on/);
  });
});

describe('backoffMs', () => {
  it.each([
    ['low end of the jitter: -20%', 0, 1, 800],
    ['middle: exact', 0.5, 1, 1000],
    ['high end: +20%', 0.9999, 1, 1200],
    ['grows ×2', 0.5, 4, 8000],
    ['+20% never goes past the cap', 0.9999, 20, 300_000],
    ['-20% at the cap', 0, 20, 240_000],
  ])('%s', (_title, random, attempt, expected) => {
    expect(backoffMs(attempt, policy(random))).toBe(expected);
  });

  it('honours a smaller maxBackoffMs', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, { ...policy(), maxBackoffMs: 5000 }))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('describeFailure', () => {
  it('gives the errcode, status and message in one line', () => {
    expect(describeFailure(mx('M_FORBIDDEN', 403))).toBe('M_FORBIDDEN (HTTP 403): server says no');
    expect(describeFailure(new MatrixNetworkError('ETIMEDOUT'))).toBe('network: ETIMEDOUT');
    expect(describeFailure('weird')).toBe('non-Error thrown: weird');
  });
});

describe('a room Vigie cannot encrypt for', () => {
  it('parks the room with Vigie\'s own explanation and the count of kept alerts', () => {
    const error = new MatrixError('VIGIE_ENCRYPTION_UNAVAILABLE', 400,
      'room !ops:example.org is encrypted and Vigie\'s encryption is not configured: set matrix.encryption.storePassphraseFile (and enabled: true) in vigie.yaml and restart; its alerts are kept');
    const decision = decideRetry(error, 1, policy(), ctx);
    expect(decision).toMatchObject({ action: 'park', scope: 'room' });
    expect(decision.action === 'park' && decision.reason).toMatch(/^room !ops:example.org is encrypted .* and restart; the 3 pending alerts? .*are kept/);
  });
});

describe('mayHaveArrived', () => {
  const network = (code?: string): MatrixNetworkError =>
    new MatrixNetworkError('x', { cause: code === undefined ? undefined : Object.assign(new Error(code), { code }) });

  it('is true when the request may have been taken without its answer coming back', () => {
    expect(mayHaveArrived(network('ECONNRESET'))).toBe(true);
    expect(mayHaveArrived(network('UND_ERR_SOCKET'))).toBe(true);
    expect(mayHaveArrived(network())).toBe(true); // a timeout: no cause to tell
    expect(mayHaveArrived(new MatrixError('M_UNKNOWN', 502, 'bad gateway'))).toBe(true);
    expect(mayHaveArrived(new MatrixError('M_UNKNOWN', 500, 'internal error'))).toBe(true);
  });

  it('is false when nothing of the request reached the server, or it answered that it took nothing', () => {
    expect(mayHaveArrived(network('ECONNREFUSED'))).toBe(false);
    expect(mayHaveArrived(new MatrixNetworkError('x', { cause: new AggregateError([network('ECONNREFUSED').cause, network('EHOSTUNREACH').cause]) }))).toBe(false);
    expect(mayHaveArrived(network('ENOTFOUND'))).toBe(false);
    expect(mayHaveArrived(new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down'))).toBe(false);
    expect(mayHaveArrived(new MatrixError('M_FORBIDDEN', 403, 'no'))).toBe(false);
    expect(mayHaveArrived(new Error('a bug before sending'))).toBe(false);
  });
});
