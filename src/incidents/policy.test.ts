import { describe, expect, it } from 'vitest';
import { decide } from './policy.js';

describe('decide', () => {
  it('opens an incident for a monitor\'s DOWN, but keeps an alert without a monitor\'s name plain', () => {
    expect(decide({ status: 'down', name: 'api', heartbeatJSON: null }, 'both', undefined)).toEqual({ type: 'open' });
    // A text no source could read has no name: as incidents, all of them would share one thread.
    expect(decide({ status: 'down', name: '', heartbeatJSON: null }, 'both', undefined)).toEqual({ type: 'plain' });
    expect(decide({ status: 'down', name: 'api', heartbeatJSON: null }, 'off', undefined)).toEqual({ type: 'plain' });
  });

  it('takes a DOWN that is a change to DOWN (Kuma\'s important beat) for a new outage, though the last was never told over', () => {
    const open = { id: 1, rootRowId: 10, ackedBy: '@alice:x' };
    expect(decide({ status: 'down', name: 'api', heartbeatJSON: { status: 0, important: false } }, 'both', open)).toEqual({ type: 'silent', incident: open });
    expect(decide({ status: 'down', name: 'api', heartbeatJSON: { status: 0, important: true } }, 'both', open)).toEqual({ type: 'reopen', incident: open });
  });
});
