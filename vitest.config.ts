import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A guard against hangs, not a speed limit: tests that start Vigie processes or real crypto take 2–5 s on an idle
    // 2-core machine and up to 20 s on a loaded one. Waits inside tests give up sooner (test/support/wait.ts, 15 s)
    // and say what they waited for.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Forks, not threads: each worker is a process started after globalSetup, so it trusts the test CA.
    pool: 'forks',
    globalSetup: ['test/support/test-ca.ts'],
  },
});
