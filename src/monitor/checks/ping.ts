// The ping check: runs the system `ping` (ICMP needs privileges Node lacks) and reads the round-trip time.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { abortMessage, limitSignal } from './failure.js';
import { hostnameField, timeoutField } from './fields.js';
import type { CheckDefinition, CheckResult } from './types.js';

/** The most output kept from `ping`; a few lines are all it prints for a handful of packets. */
const MAX_OUTPUT = 64 * 1024;

const schema = z.object({
  hostname: hostnameField('Host to ping: a name or an IP address'),
  count: z.int().min(1).max(100).default(1).describe('Echo requests to send; UP when at least one is answered'),
  timeout: timeoutField(),
});

/** The ping fields of a monitor, parsed. */
export type PingTarget = z.output<typeof schema>;

/** The average round-trip time in `ping`'s summary (iputils "rtt …", BusyBox "round-trip …"), if it has one. */
export function parseAverageRtt(output: string): number | undefined {
  const match = /(?:rtt|round-trip)[^=]*=\s*[\d.]+\/([\d.]+)\//.exec(output);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Why `ping` failed, from its exit code and output. */
function pingFailure(code: number | null, stdout: string, stderr: string, target: PingTarget): string {
  const complaint = stderr.trim().split('\n').find((line) => line.trim() !== '');
  if (complaint) return complaint.trim();
  const loss = /(\d+(?:\.\d+)?)% packet loss/.exec(stdout);
  if (loss) return `no reply from ${target.hostname} (${loss[1]}% packet loss of ${target.count})`;
  return `ping ${target.hostname} exited with code ${code ?? 'unknown'}`;
}

/** The result `ping` gave: UP with the average round trip when it exited 0, else DOWN with its reason. */
export function readPingOutput(code: number | null, stdout: string, stderr: string, target: PingTarget): CheckResult {
  const ms = parseAverageRtt(stdout);
  if (code === 0 && ms !== undefined) return { status: 'up', message: `${ms} ms`, ms };
  return { status: 'down', message: pingFailure(code, stdout, stderr, target) };
}

/** Runs `ping -c N -W T -n host` once and turns its outcome into a result. */
async function runPing(target: PingTarget, signal: AbortSignal): Promise<CheckResult> {
  const limit = limitSignal(signal, target.timeout);
  try {
    return await spawnPing(target, limit.signal);
  } finally {
    limit.dispose();
  }
}

/** Spawns ping, killed when `limit` aborts. */
function spawnPing(target: PingTarget, limit: AbortSignal): Promise<CheckResult> {
  const waitSeconds = String(Math.max(1, Math.ceil(target.timeout / 1000)));
  const args = ['-c', String(target.count), '-W', waitSeconds, '-n', target.hostname];
  return new Promise((resolve) => {
    if (limit.aborted) return resolve({ status: 'down', message: abortMessage(limit, target.timeout) });
    const child = spawn('ping', args, { signal: limit, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += chunk.toString(); });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (limit.aborted) return resolve({ status: 'down', message: abortMessage(limit, target.timeout) });
      if (error.code === 'ENOENT') return resolve({ status: 'down', message: 'ping is not installed: apt-get install iputils-ping' });
      resolve({ status: 'down', message: `could not run ping: ${error.message}` });
    });
    child.once('close', (code) => {
      // Also reached when the abort came after ping exited, when no 'error' is emitted.
      if (limit.aborted) return resolve({ status: 'down', message: abortMessage(limit, target.timeout) });
      resolve(readPingOutput(code, stdout, stderr, target));
    });
  });
}

/** The ping check type. */
export const ping: CheckDefinition<PingTarget> = {
  type: 'ping',
  schema,
  run: runPing,
  hostnameOrURL: (target) => target.hostname,
};
