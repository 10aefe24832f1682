import { describe, expect, it } from 'vitest';
import { decide } from './policy.js';

describe('decide', () => {
  it('opens an incident for a monitor\'s DOWN, but keeps an alert without a monitor\'s name plain', () => {
    expect(decide({ status: 'down', name: 'api' }, 'both', undefined)).toEqual({ type: 'open' });
    // A text no source could read has no name: as incidents, all of them would share one thread.
    expect(decide({ status: 'down', name: '' }, 'both', undefined)).toEqual({ type: 'plain' });
    expect(decide({ status: 'down', name: 'api' }, 'off', undefined)).toEqual({ type: 'plain' });
  });
});
