import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../support/cli.js';

describe('vigie run', () => {
  let taken: Server | undefined;
  afterEach(() => new Promise<void>((done) => (taken ? taken.close(() => done()) : done())));

  it('says the port is in use and exits 2, with nothing left running, instead of a stack trace', async () => {
    taken = createServer();
    await new Promise<void>((done) => taken!.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    const yaml = `matrix: { homeserver: "http://127.0.0.1:9" }
server: { listen: "127.0.0.1:${port}" }
store: { path: ./vigie.db }
rooms: { ops: "!a:localhost" }
routes: [{ rooms: [ops] }]
monitors: [{ name: Cron, type: push, token: abcdefgh12345678 }]
`;
    const config = writeConfig(yaml);
    const run = await runCli(['run', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use (another Vigie, or another program); change server.listen`);
    expect(run.all).not.toContain('unexpected error');
    // Stopped whole: the store's lock is free, so the next start gets as far as the port again.
    expect((await runCli(['run', '--config', config])).err.join('\n')).toContain('cannot listen on');
  });

  it('says store.path cannot be used, naming it, and exits 2', async () => {
    const config = writeConfig('matrix: { homeserver: "http://127.0.0.1:9" }\nstore: { path: ./not-a-folder/vigie.db }\n', { 'not-a-folder': '' });
    const run = await runCli(['run', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(/cannot create the folder .*not-a-folder for the database .*: E[A-Z]+.*Check store.path/);
    expect(run.all).not.toContain('unexpected error');
  });

  it('says an unknown VIGIE_LOG_LEVEL is one, and exits 2', async () => {
    const config = writeConfig('matrix: { homeserver: "http://127.0.0.1:9" }\nstore: { path: ./vigie.db }\n');
    const run = await runCli(['run', '--config', config], { env: { VIGIE_LOG_LEVEL: 'verbose' } });
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toContain('VIGIE_LOG_LEVEL is "verbose": expected one of fatal, error, warn, info, debug, trace, silent');
  });
});
