import { describe, expect, it } from 'vitest';
import { NO_INCIDENTS } from './acknowledger.js';
import { runCommand, type CommandDeps, type KnownMonitor } from './actions.js';

function deps(monitors: KnownMonitor[]): { deps: CommandDeps; muted: string[] } {
  const muted: string[] = [];
  return {
    muted,
    deps: {
      monitors: () => monitors, acknowledger: NO_INCIDENTS, timezone: 'UTC', now: () => 0,
      mutes: {
        mute: (target, untilMs, by) => { muted.push(target); return { target, untilMs, by, createdAt: 0 }; },
        unmute: (target) => muted.includes(target), active: () => [],
      },
    },
  };
}

describe('mute and unmute', () => {
  const monitors: KnownMonitor[] = [{ name: 'API', tags: ['Prod'], status: 'up', since: null, message: null, maintenance: null }];
  const ctx = { roomId: '!ops:x', sender: '@mod:x' };

  it('find a monitor or a tag whatever its case, and mute it as configured (the check matches it exactly)', async () => {
    const { deps: d, muted } = deps(monitors);
    expect(await runCommand({ kind: 'mute', target: 'api', durationMs: 3_600_000 }, ctx, d)).toMatch(/^🔇 Muted for 1h, until .*: API\./);
    expect(await runCommand({ kind: 'mute', target: 'prod', durationMs: 60_000 }, ctx, d)).toMatch(/: API\./);
    expect(muted).toEqual(['API', 'Prod']);
    expect(await runCommand({ kind: 'unmute', target: 'api' }, ctx, d)).toMatch(/^🔔 Unmuted: API\./);
  });

  it('lists at most 30 monitors when a target is unknown, so the answer stays one a homeserver takes', async () => {
    const many: KnownMonitor[] = Array.from({ length: 700 }, (_, i) => ({ name: `service-${i}`, tags: [], status: 'down', since: null, message: null, maintenance: null }));
    const { deps: d } = deps(many);
    const answer = await runCommand({ kind: 'mute', target: 'prdo', durationMs: 60_000 }, ctx, d);
    expect(answer).toMatch(/^Nothing to mute: no monitor is named or tagged "prdo"\. Monitors: service-0, .*service-29 … and 670 more\.$/);
  });
});
