import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcp } from '../../src/monitor/checks/tcp.js';
import { closedPort, startHttpTarget, type Target } from '../support/targets.js';
import { WAIT_MS } from '../support/wait.js';

let server: Target;
beforeAll(async () => { server = await startHttpTarget(); });
afterAll(async () => { await server.close(); });

const never = () => new AbortController().signal;

describe('tcp check', () => {
  it('is UP when the port accepts a connection', async () => {
    const result = await tcp.run(tcp.schema.parse({ hostname: '127.0.0.1', port: server.port }), never());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^connected in \d+ ms$/);
    expect(result.ms).toBeGreaterThan(0);
  });

  it('is DOWN with the system\'s words when nothing listens', async () => {
    const port = await closedPort();
    const result = await tcp.run(tcp.schema.parse({ hostname: '127.0.0.1', port }), never());
    expect(result).toMatchObject({ status: 'down', message: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('stops at once when the engine cancels it', async () => {
    const controller = new AbortController();
    const pending = tcp.run(tcp.schema.parse({ hostname: '127.0.0.1', port: server.port }), controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ status: 'down', message: expect.stringContaining('cancelled') as unknown });
  });

  it('says "timeout after …" when the engine\'s time limit aborts it', async () => {
    // What AbortSignal.timeout() gives: a TimeoutError reason.
    const controller = new AbortController();
    const pending = tcp.run(tcp.schema.parse({ hostname: '127.0.0.1', port: server.port, timeout: '10s' }), controller.signal);
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(await pending).toEqual({ status: 'down', message: 'timeout after 10 s' });
  });

  it('reads hostname:port as Kuma\'s hostnameOrURL and refuses a URL for a host', () => {
    expect(tcp.hostnameOrURL(tcp.schema.parse({ hostname: 'db.example.org', port: 5432 }))).toBe('db.example.org:5432');
    expect(tcp.schema.safeParse({ hostname: 'tcp://db', port: 5432 }).success).toBe(false);
    expect(tcp.schema.safeParse({ hostname: 'db', port: 70000 }).success).toBe(false);
  });

  it('does not leave the connection open', async () => {
    let opened = 0;
    let closed = 0;
    const listener = net.createServer((socket) => {
      opened += 1;
      socket.on('error', () => undefined).on('close', () => { closed += 1; }).resume();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    await tcp.run(tcp.schema.parse({ hostname: '127.0.0.1', port }), never());
    await expect.poll(() => [opened, closed], { timeout: WAIT_MS }).toEqual([1, 1]);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });
});
