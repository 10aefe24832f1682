import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { silentLogger } from '../logging.js';
import { startCheckpointer } from './checkpointer.js';
import { openDatabase } from './db.js';

function fileDb() {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-ckpt-'));
  const path = join(dir, 'vigie.db');
  const db = openDatabase(path);
  db.exec('CREATE TABLE t (x TEXT)');
  return { db, path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('startCheckpointer', () => {
  it('copies the write-ahead log into the database from a worker, while the main connection only writes', async () => {
    const { db, path, remove } = fileDb();
    const checkpointer = startCheckpointer(db, { logger: silentLogger(), intervalMs: 10 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    // ~100 pages: far below the main connection's threshold, so only the worker copies them into the file.
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000));
    for (let i = 0; i < 100 && statSync(path).size < before + 400_000; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statSync(path).size).toBeGreaterThan(before + 400_000);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
    remove();
  });

  it('does nothing for an in-memory database', async () => {
    const db = openDatabase(':memory:');
    await startCheckpointer(db, { logger: silentLogger() }).stop();
    db.close();
  });

  it('hands checkpoints back to the main connection when the worker fails', async () => {
    const { db, path, remove } = fileDb();
    rmSync(path); // the worker opens the file with fileMustExist, so it fails at once
    const checkpointer = startCheckpointer(db, { logger: silentLogger() });
    for (let i = 0; i < 50 && db.pragma('wal_autocheckpoint', { simple: true }) !== 1000; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
    db.close();
    remove();
  });
});
