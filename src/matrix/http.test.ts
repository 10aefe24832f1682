// One HTTP exchange: how failures without an answer are described, and durations as people read them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MatrixError, MatrixNetworkError } from './errors.js';
import { describeCause, formatDuration, sendHttp } from './http.js';

describe('formatDuration', () => {
  it.each([[30_000, '30s'], [1500, '1.5s'], [250, '250ms'], [4423, '4.4s']])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('describeCause', () => {
  it('names each failed address once when happy eyeballs tried several', () => {
    const refused = (addr: string) => Object.assign(new Error(`connect ECONNREFUSED ${addr}`), { code: 'ECONNREFUSED' });
    const err = new AggregateError([refused('::1:8448'), refused('127.0.0.1:8448')]);
    expect(describeCause(err)).toBe('connect ECONNREFUSED ::1:8448; connect ECONNREFUSED 127.0.0.1:8448');
  });

  it('adds the code when the message lacks it', () => {
    expect(describeCause(Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' })))
      .toBe('certificate has expired (CERT_HAS_EXPIRED)');
  });
});

describe('sendHttp', () => {
  it('gives up after the timeout with a MatrixNetworkError naming the host', async () => {
    const server = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = new URL(`http://127.0.0.1:${port}/_matrix/client/versions`);
      const err = await sendHttp({ method: 'GET', url, timeoutMs: 200 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MatrixNetworkError);
      expect((err as Error).message).toBe(`127.0.0.1:${port} gave no answer within 200ms`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('sends the User-Agent and reads any status as an answer', async () => {
    let agent: string | undefined;
    const server = createServer((req, res) => {
      agent = req.headers['user-agent'];
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errcode":"M_NOT_FOUND"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/x`), timeoutMs: 2000 });
      expect(answer).toMatchObject({ status: 404, body: '{"errcode":"M_NOT_FOUND"}', headers: { 'content-type': 'application/json' } });
      expect(agent).toMatch(/^Vigie\//);
    } finally {
      server.close();
    }
  });

  it('ends every request under way under an aborted signal, and none of another signal\'s', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/x') res.writeHead(200).end('{}');
      // '/slow' never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = (path: string): URL => new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    try {
      const room = new AbortController();
      const other = new AbortController();
      const done = await sendHttp({ method: 'GET', url: url('/x'), timeoutMs: 5000, signal: room.signal });
      const slow = [1, 2].map(() => sendHttp({ method: 'GET', url: url('/slow'), timeoutMs: 5000, signal: room.signal }));
      let otherSettled = false;
      const elsewhere = sendHttp({ method: 'GET', url: url('/slow'), timeoutMs: 5000, signal: other.signal }).finally(() => { otherSettled = true; });
      const reason = new Error('stopping the room');
      room.abort(reason);
      for (const request of slow) await expect(request).rejects.toBe(reason);
      expect(done.status).toBe(200);
      expect(otherSettled).toBe(false);
      other.abort(new Error('stopping the other'));
      await expect(elsewhere).rejects.toThrow('stopping the other');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('throws the caller\'s abort reason as is, and a MatrixError for an answer over maxBytes', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/big') res.writeHead(200).end('x'.repeat(4096));
      // '/slow' never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const controller = new AbortController();
      const reason = new Error('stopping');
      const slow = sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/slow`), timeoutMs: 5000, signal: controller.signal });
      setTimeout(() => controller.abort(reason), 20);
      await expect(slow).rejects.toBe(reason);
      await expect(sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/x`), timeoutMs: 5000, signal: controller.signal })).rejects.toBe(reason);
      const big = await sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/big`), timeoutMs: 5000, maxBytes: 1024 }).catch((e: unknown) => e);
      expect(big).toBeInstanceOf(MatrixError);
      expect((big as Error).message).toBe(`HTTP 200 from 127.0.0.1:${port}: the answer is larger than 1 KiB; is this really a Matrix homeserver?`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('says the server closed the connection, or could not be reached', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const cut = await sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/x`), timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(MatrixNetworkError);
    expect((cut as Error).message).toMatch(`127.0.0.1:${port} closed the connection before answering`);
    await new Promise((resolve) => server.close(resolve));
    const refused = await sendHttp({ method: 'GET', url: new URL(`http://127.0.0.1:${port}/x`), timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(`could not reach 127.0.0.1:${port}: connect ECONNREFUSED`);
  });
});
