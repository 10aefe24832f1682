import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { acquireLock } from './lock.js';

const dbPath = (): string => join(mkdtempSync(join(tmpdir(), 'vigie-lock-')), 'vigie.db');

/** A pid that existed and is gone now, as after a SIGKILL. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

describe('acquireLock', () => {
  it('creates <db>.lock with our pid and removes it on release', () => {
    const db = dbPath();
    const lock = acquireLock(db);
    expect(lock.path).toBe(`${db}.lock`);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('creates the database folder on a first run (the lock comes before the database)', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'vigie-lock-')), 'data', 'vigie.db');
    const lock = acquireLock(db);
    expect(existsSync(`${db}.lock`)).toBe(true);
    lock.release();
  });

  it('refuses a lock another live Vigie holds, naming its pid and the file, and takes it once that one is killed', async () => {
    const db = dbPath();
    const holder = fileURLToPath(new URL('../../test/support/lock-holder.ts', import.meta.url));
    const other = spawn(process.execPath, ['--import', 'tsx', holder, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => other.stdout.once('data', resolve));
      expect(() => acquireLock(db)).toThrow(`another Vigie (pid ${other.pid}) is using this database: ${db}.lock exists`);
      expect(readFileSync(`${db}.lock`, 'utf8').trim()).toBe(String(other.pid));
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((resolve) => other.once('exit', resolve));
    // Killed without cleanup: the kernel dropped its lock, so its pid file is stale.
    acquireLock(db).release();
  });

  it('takes over a lock file naming a live process that holds no lock (a pid reused after a reboot)', async () => {
    const db = dbPath();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await new Promise((resolve) => other.once('spawn', resolve));
      writeFileSync(`${db}.lock`, `${other.pid}\n`);
      const lock = acquireLock(db);
      expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
      lock.release();
    } finally {
      other.kill();
    }
  });

  it('takes over a lock whose process is dead (a SIGKILLed Vigie restarts without cleanup)', () => {
    const db = dbPath();
    writeFileSync(`${db}.lock`, `${deadPid()}\n`);
    const lock = acquireLock(db);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it("takes over a previous run's lock that carries our own pid (pid 1 in a container, every time)", () => {
    const db = dbPath();
    writeFileSync(`${db}.lock`, `${process.pid}\n`);
    const lock = acquireLock(db);
    lock.release();
    expect(existsSync(`${db}.lock`)).toBe(false);
  });

  it('refuses a second lock on the same database from the same process', () => {
    const db = dbPath();
    const lock = acquireLock(db);
    expect(() => acquireLock(db)).toThrow(/already locked by this process/);
    lock.release();
    acquireLock(db).release();
  });

  it('takes over an empty lock file left by a crash, but not one being written right now', () => {
    const db = dbPath();
    writeFileSync(`${db}.lock`, '');
    expect(() => acquireLock(db)).toThrow(/another Vigie is starting/);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(`${db}.lock`, aMinuteAgo, aMinuteAgo);
    const lock = acquireLock(db);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('does not delete a lock another process took after ours was removed', () => {
    const db = dbPath();
    const lock = acquireLock(db);
    writeFileSync(lock.path, '4242\n');
    lock.release();
    expect(readFileSync(`${db}.lock`, 'utf8')).toBe('4242\n');
  });
});
