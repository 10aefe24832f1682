// The parent's side of child-app.ts: spawns a Vigie process, collects its IPC reports, waits for them, kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { PROCESS_START_MS } from '../../support/wait.js';
import type { ChildCommand, ChildReport } from './child-app.js';

const repo = resolve(import.meta.dirname, '../../..');
const entry = resolve(import.meta.dirname, 'child-app.ts');

/** What to dispatch once the child runs: `count` alerts spread over the rooms `tags` (alert i to tags[i % n]). */
export interface ChildSeries {
  count?: number;
  prefix?: string;
  tags?: readonly string[];
}

/** A running child Vigie. */
export interface ChildApp {
  readonly process: ChildProcess;
  /** Every report so far, in order. */
  readonly reports: ChildReport[];
  /** Resolves when the process is gone, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the child wrote on stderr (its warnings and errors), for failure messages. */
  stderr(): string;
  /** The rows it queued, in order. */
  queued(): Array<{ id: number; roomId: string; txnId: string; body: string }>;
  /** Resolves with the first report of this type (past or future); rejects if the child exits first or time runs out. */
  waitFor<T extends ChildReport['type']>(type: T, timeoutMs?: number): Promise<Extract<ChildReport, { type: T }>>;
  /** Asks for a clean stop (app.stop) and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node --import tsx child-app.ts` on a config; the child takes the database lock like `vigie run`. */
export function startChildApp(configPath: string, series: ChildSeries = {}): ChildApp {
  const args = ['--import', 'tsx', entry, '--config', configPath, '--count', String(series.count ?? 0),
    '--prefix', series.prefix ?? 'alert', '--tags', (series.tags ?? ['ops']).join(',')];
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const reports: ChildReport[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let gone = false;
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.on('message', (message: ChildReport) => {
    reports.push(message);
    for (const listener of [...listeners]) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      gone = true;
      for (const listener of [...listeners]) listener();
      done({ code, signal });
    });
  });

  function waitFor<T extends ChildReport['type']>(type: T, timeoutMs = PROCESS_START_MS): Promise<Extract<ChildReport, { type: T }>> {
    return new Promise((resolveReport, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      const fail = (why: string): void => {
        settle();
        reject(new Error(`${why}; its stderr:\n${stderr}`));
      };
      const timer = setTimeout(() => fail(`child Vigie sent no '${type}' report within ${timeoutMs} ms`), timeoutMs);
      const check = (): void => {
        const found = reports.find((r): r is Extract<ChildReport, { type: T }> => r.type === type);
        if (found) {
          settle();
          resolveReport(found);
        } else if (gone) {
          fail(`child Vigie exited before its '${type}' report`);
        }
      };
      listeners.add(check);
      check();
    });
  }

  return {
    process: child, reports, exited, waitFor,
    stderr: () => stderr,
    queued: () => reports.flatMap((r) => (r.type === 'queued' ? r.rows : [])),
    async stop() {
      if (!gone) child.send({ type: 'stop' } satisfies ChildCommand);
      return exited;
    },
  };
}
