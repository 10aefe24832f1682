import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHomeserver, type TestHomeserver } from '../support/homeserver.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { runCli, writeConfig } from '../support/cli.js';

function config(homeserver: string, rooms: Record<string, string>): string {
  const lines = Object.entries(rooms).map(([name, id]) => `  ${name}: "${id}"`).join('\n');
  return `timezone: Europe/Paris\nmatrix:\n  homeserver: ${homeserver}\n  accessTokenFile: ./token\nrooms:\n${lines}\nstore:\n  path: ./vigie.db\n`;
}

describe('vigie doctor', () => {
  let hs: TestHomeserver;
  let bot: string;
  let admin: string;
  let token: string;
  let web: StaticServer | undefined;

  beforeEach(async () => {
    hs = await startHomeserver();
    bot = hs.registerUser('vigie', 'pw');
    admin = hs.registerUser('alice', 'pw');
    token = hs.issueToken(bot, 'VIGIEDEV');
  });
  afterEach(async () => {
    await web?.close();
    web = undefined;
    await hs.close();
  });

  const doctor = (yaml: string, extra: string[] = []) => runCli(['doctor', '--config', writeConfig(yaml, { token }), ...extra]);

  it('passes when the bot is joined and may post, and says whose token it is', async () => {
    const room = hs.createRoom({ creator: admin, join: [bot] });
    const run = await doctor(config(hs.url, { ops: room }));
    expect(run.code, run.all).toBe(0);
    expect(run.all).toContain(`✓ ${hs.url} is a Matrix homeserver`);
    expect(run.all).toContain('✓ the access token is valid: @vigie:localhost (device VIGIEDEV)');
    expect(run.all).toMatch(/✓ room "ops" .* may send messages \(level 0 ≥ 0\)/);
    expect(run.all).toContain('i the bot is subject to the homeserver\'s message rate limit');
    expect(run.all).not.toContain(token);
  });

  it('fails on a revoked token and says to log in again', async () => {
    hs.revokeToken(token);
    const run = await doctor(config(hs.url, { ops: hs.createRoom({ creator: admin, join: [bot] }) }));
    expect(run.code).toBe(1);
    expect(run.all).toContain('✗ the homeserver refused the access token (M_UNKNOWN_TOKEN)');
    expect(run.all).toContain('→ run `vigie login`');
    expect(run.all).not.toContain(token);
  });

  it('reports a homeserver failing to list the bot\'s rooms as a finding, not a crash', async () => {
    hs.failNext(1, { status: 502 }, '/joined_rooms');
    const run = await doctor(config(hs.url, { ops: hs.createRoom({ creator: admin, join: [bot] }) }));
    expect(run.code, run.all).toBe(1);
    expect(run.all).toMatch(/✗ cannot list the rooms @vigie:localhost is in: .*502/);
    expect(run.all).toContain('→ run doctor again in a moment');
    expect(run.all).not.toContain('unexpected error');
  });

  it('finds an invite, and accepts it with --fix', async () => {
    const room = hs.createRoom({ creator: admin, invite: [bot] });
    const first = await doctor(config(hs.url, { ops: room }));
    expect(first.code).toBe(1);
    expect(first.all).toContain('is invited but has not joined');
    expect(first.all).toContain('vigie doctor --fix');
    const fixed = await doctor(config(hs.url, { ops: room }), ['--fix']);
    expect(fixed.code, fixed.all).toBe(0);
    expect(fixed.all).toContain('invite accepted');
  });

  it('says a room was upgraded, and names the new room to configure', async () => {
    const room = hs.createRoom({ creator: admin, join: [bot] });
    const next = hs.createRoom({ creator: admin });
    const upgrade = await fetch(`${hs.url}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/m.room.tombstone/`, {
      method: 'PUT', headers: { authorization: `Bearer ${hs.issueToken(admin)}` }, body: JSON.stringify({ body: 'This room has been replaced', replacement_room: next }),
    });
    expect(upgrade.status).toBe(200);
    const run = await doctor(config(hs.url, { ops: room }));
    expect(run.code).toBe(1);
    expect(run.all).toContain(`✗ room "ops" (${room}): the room was upgraded to ${next}, and alerts posted here would go unread`);
    expect(run.all).toContain(`→ set rooms.ops: "${next}" and invite @vigie:localhost there`);
  });

  it('says how to invite a bot that is not in the room', async () => {
    const run = await doctor(config(hs.url, { ops: hs.createRoom({ creator: admin }) }));
    expect(run.code).toBe(1);
    expect(run.all).toMatch(/✗ room "ops" .* @vigie:localhost is not in the room/);
    expect(run.all).toContain('invite @vigie:localhost');
  });

  it('reads power levels: a room where messages need 50', async () => {
    const room = hs.createRoom({ creator: admin, join: [bot], powerLevels: { events_default: 50 } });
    const run = await doctor(config(hs.url, { ops: room }));
    expect(run.code).toBe(1);
    expect(run.all).toContain('the bot may not send messages (its level 0 < 50 needed)');
    expect(run.all).toContain('Roles & Permissions');
  });

  it('resolves aliases, and fails an encrypted room while encryption is not configured', async () => {
    hs.createRoom({ creator: admin, join: [bot], alias: 'ops', encrypted: true });
    const run = await doctor(config(hs.url, { ops: '#ops:localhost' }));
    expect(run.all).toMatch(/✓ room "ops" \(#ops:localhost\): alias resolves to !/);
    expect(run.all).toMatch(/✗ room "ops" .* end-to-end encrypted, and Vigie's encryption is not configured/);
    expect(run.all).toContain('matrix.encryption.storePassphraseFile');
    expect(run.code).toBe(1);
  });

  it('passes an encrypted room once a store passphrase is configured', async () => {
    hs.createRoom({ creator: admin, join: [bot], alias: 'ops', encrypted: true });
    const yaml = `${config(hs.url, { ops: '#ops:localhost' })}`.replace('  accessTokenFile: ./token\n', '  accessTokenFile: ./token\n  encryption: { storePassphraseFile: ./e2ee-key }\n');
    const run = await runCli(['doctor', '--config', writeConfig(yaml, { token, 'e2ee-key': 'a-long-passphrase' })]);
    expect(run.all).toMatch(/✓ room "ops" .* end-to-end encrypted; Vigie encrypts its alerts here/);
    expect(run.all).toContain('i room "ops" (#ops:localhost): the bot\'s device VIGIEDEV has not published encryption keys yet');
    expect(run.all).toContain('! room "ops" (#ops:localhost): no member has a device with encryption keys');
    expect(run.all).not.toContain('a-long-passphrase');
    expect(run.code, run.all).toBe(0);
  });

  it('points at the homeserver behind a web-client URL given as homeserver', async () => {
    web = await startStaticServer({
      '/': { body: '<!doctype html><title>Element</title>' },
      '/config.json': { body: { default_server_config: { 'm.homeserver': { base_url: hs.url } } } },
    });
    const run = await doctor(config(web.url, { ops: hs.createRoom({ creator: admin, join: [bot] }) }));
    expect(run.code).toBe(1);
    expect(run.all).toContain(`✗ ${web.url} is not a homeserver's API; the homeserver behind it is ${hs.url}`);
    expect(run.all).toContain(`→ set matrix.homeserver: ${hs.url}`);
  });

  it('sees a lifted rate limit when the bot may read it', async () => {
    const adminBot = hs.registerUser('vigie-admin', 'pw', { admin: true });
    token = hs.issueToken(adminBot);
    const room = hs.createRoom({ creator: admin, join: [adminBot] });
    const client = await fetch(`${hs.url}/_synapse/admin/v1/users/${encodeURIComponent(adminBot)}/override_ratelimit`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages_per_second: 0, burst_count: 0 }),
    });
    expect(client.status).toBe(200);
    const run = await doctor(config(hs.url, { ops: room }));
    expect(run.all).toContain('✓ the homeserver does not rate-limit the bot\'s messages');
  });
});
