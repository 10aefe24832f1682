import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging.js';
import { createServer, listen } from './server.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => { await close?.(); close = undefined; });

async function serve(deps: { notReady?: string[]; warnings?: string[] }, logs: string[] = []) {
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void logs.push(line) } });
  const app = await createServer({ logger, metrics: new Registry(), notReady: () => deps.notReady ?? [], warnings: () => deps.warnings ?? [] });
  const address = await listen(app, '127.0.0.1:0');
  close = () => app.close();
  return address;
}

describe('the HTTP server', () => {
  it('is ready while it can take alerts, a parked room or a missing token reported but not failing the probe', async () => {
    const address = await serve({ warnings: ['delivery to !a:x is parked: M_FORBIDDEN'] });
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', problems: [], warnings: ['delivery to !a:x is parked: M_FORBIDDEN'] });
  });

  it('is not ready when it cannot keep alerts', async () => {
    const address = await serve({ notReady: ['the database is closed'] });
    expect((await fetch(`${address}/readyz`)).status).toBe(503);
  });

  it('refuses a malformed request without logging its bytes (a path token, an Authorization header)', async () => {
    const logs: string[] = [];
    const address = new URL(await serve({}, logs));
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(address.port), address.hostname, () => {
        socket.end('GET /api/push/PUSHSECRET12345 HTTP/1.1\r\nAuthorization: Bearer RAWAUTHSECRET\r\nBad Header: \u0001\r\n\r\n');
      });
      let data = '';
      socket.on('data', (chunk) => { data += String(chunk); });
      socket.on('close', () => resolve(data));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const written = logs.join('');
    expect(written).not.toContain('PUSHSECRET');
    expect(written).not.toContain('RAWAUTHSECRET');
    expect(written).not.toContain('rawPacket');
  });
});
