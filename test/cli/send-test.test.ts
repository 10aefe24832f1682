import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/store/lock.js';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { runCli, writeConfig } from '../support/cli.js';

describe('vigie send-test', () => {
  let hs: TestHomeserver;
  let bot: string;
  let token: string;
  beforeEach(async () => {
    hs = await startHomeserver();
    bot = hs.registerUser('vigie', 'pw');
    token = hs.issueToken(bot);
  });
  afterEach(() => hs.close());

  it('sends a test alert to every room with its route template and prints the event ids', async () => {
    const admin = hs.registerUser('alice', 'pw');
    const ops = hs.createRoom({ creator: admin, join: [bot] });
    const team = hs.createRoom({ creator: admin, join: [bot], alias: 'team' });
    const yaml = `timezone: Europe/Paris
matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }
rooms: { ops: "${ops}", team: "#team:localhost" }
routes:
  - { rooms: [ops], template: seed }
  - { rooms: [team] }
store: { path: ./vigie.db }
`;
    const run = await runCli(['send-test', '--config', writeConfig(yaml, { token })]);
    expect(run.code, run.all).toBe(0);
    const [opsLine, teamLine] = run.out;
    const opsEvent = hs.messages(ops)[0]!;
    const teamEvent = hs.messages(team)[0]!;
    expect(opsLine).toBe(`ops (${ops}): sent, event ${opsEvent.event_id}`);
    expect(teamLine).toBe(`team (#team:localhost): sent, event ${teamEvent.event_id}`);
    // The seed's template on a test event: Kuma's test placeholders, the alert branch (a test is not "up").
    expect(opsEvent.content.body).toContain('🖥️ Service : Monitor Name not available');
    expect(opsEvent.content.body).toContain('🌐 Cible : testing.hostname');
    expect(opsEvent.content['m.mentions']).toEqual({});
    expect(teamEvent.content.format).toBe('org.matrix.custom.html');
    expect(run.all).not.toContain(token);
  });

  it('reports a room the bot may not post in, exits 1, and does not post that test later once the room is fixed', async () => {
    const admin = hs.registerUser('alice', 'pw');
    const ops = hs.createRoom({ creator: admin });
    const yaml = `matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }\nrooms: { ops: "${ops}" }\nstore: { path: ./vigie.db }\n`;
    const config = writeConfig(yaml, { token });
    const run = await runCli(['send-test', '--config', config]);
    expect(run.code).toBe(1);
    expect(run.out[0]).toMatch(/^ops \(!.*\): not delivered: .*M_FORBIDDEN.*\(not retried: run send-test again once it is fixed\)$/);
    expect(hs.messages(ops)).toHaveLength(0);

    hs.join(bot, ops);
    const again = await runCli(['send-test', '--config', config]);
    expect(again.code, again.all).toBe(0);
    expect(hs.messages(ops)).toHaveLength(1);
  });

  it('refuses to run beside a running Vigie on the same database (one deliverer, one /sync reader)', async () => {
    const config = writeConfig(`matrix: { homeserver: ${hs.url}, accessTokenFile: ./token }\nrooms: { ops: "!a:localhost" }\nstore: { path: ./vigie.db }\n`, { token });
    const lock = acquireLock(join(dirname(config), 'vigie.db'));
    try {
      const run = await runCli(['send-test', '--config', config]);
      expect(run.code).toBe(1);
      // The lock is this test process's own here; another process gets "another Vigie (pid …) is using this database".
      expect(run.err.join('\n')).toMatch(/is already locked by this process/);
    } finally {
      lock.release();
    }
  });

  it('needs a token', async () => {
    const run = await runCli(['send-test', '--config', writeConfig(`matrix: { homeserver: ${hs.url} }\nrooms: { ops: "!a:localhost" }\n`)]);
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(/no Matrix access token.*vigie login/);
  });
});
