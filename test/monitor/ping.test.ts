import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ping } from '../../src/monitor/checks/ping.js';

const installed = spawnSync('ping', ['-V']).error === undefined;
// CI installs ping (.ci/run), so there a missing ping fails the tests instead of skipping them.
const skip = !installed && process.env.CI === undefined;
const title = skip ? 'ping check (skipped: ping is not installed here; apt-get install iputils-ping)' : 'ping check';

const never = () => new AbortController().signal;

describe.skipIf(skip)(title, () => {
  it('is UP for 127.0.0.1, with the round-trip time', async () => {
    const result = await ping.run(ping.schema.parse({ hostname: '127.0.0.1' }), never());
    expect(result.status).toBe('up');
    expect(result.message).toMatch(/^\d+(\.\d+)? ms$/);
    expect(result.ms).toBeGreaterThan(0);
  });

  it('stops at its timeout quickly, even while ping still has packets to send', async () => {
    const started = performance.now();
    const result = await ping.run(ping.schema.parse({ hostname: '127.0.0.1', count: 5, timeout: '300ms' }), never());
    expect(result).toEqual({ status: 'down', message: 'timeout after 0.3 s' });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('stops at once when the engine cancels it', async () => {
    const controller = new AbortController();
    const pending = ping.run(ping.schema.parse({ hostname: '127.0.0.1', count: 5 }), controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ status: 'down', message: expect.stringContaining('cancelled') as unknown });
  });
});

describe('ping check without ping', () => {
  it('says how to install it', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const result = await ping.run(ping.schema.parse({ hostname: '127.0.0.1' }), never());
      expect(result).toEqual({ status: 'down', message: 'ping is not installed: apt-get install iputils-ping' });
    } finally {
      process.env.PATH = path;
    }
  });
});
