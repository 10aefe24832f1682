// Small named values in the `kv` table, such as the /sync token (a restart resumes where the last run stopped).
import type { Database } from '../store/db.js';

/** Where the room sync loop keeps its `since` token. */
export const SYNC_TOKEN_KEY = 'room.sync.since';

/** One value of the kv table, read and written by key. */
export interface KvValue {
  get(): string | undefined;
  set(value: string): void;
}

/** A handle on one key of the `kv` table. */
export function kvValue(db: Database, key: string): KvValue {
  const read = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const write = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  return {
    get: () => read.get(key)?.value,
    set: (value) => {
      write.run(key, value);
    },
  };
}
