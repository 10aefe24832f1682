// The tcp check (Kuma's "port" monitor): a TCP connection opens within the time limit, then is closed.
import net from 'node:net';
import { z } from 'zod';
import { abortMessage, elapsedSince, limitSignal, networkErrorMessage } from './failure.js';
import { hostnameField, portField, timeoutField } from './fields.js';
import type { CheckDefinition, CheckResult } from './types.js';

const schema = z.object({
  hostname: hostnameField('Host to connect to: a name or an IP address'),
  port: portField('TCP port to connect to'),
  timeout: timeoutField(),
});

/** The tcp fields of a monitor, parsed. */
export type TcpTarget = z.output<typeof schema>;

/** Opens a TCP connection to `host:port`; resolves how long it took, or the reason it failed. */
export function connectOnce(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  const limit = limitSignal(signal, timeoutMs);
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: CheckResult) => {
      limit.signal.removeEventListener('abort', onAbort);
      limit.dispose();
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => finish({ status: 'down', message: abortMessage(limit.signal, timeoutMs) });
    if (limit.signal.aborted) return onAbort();
    limit.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      const ms = elapsedSince(start);
      finish({ status: 'up', message: `connected in ${Math.round(ms)} ms`, ms });
    });
    socket.once('error', (error) => finish({ status: 'down', message: networkErrorMessage(error), ms: elapsedSince(start) }));
  });
}

/** The tcp check type. */
export const tcp: CheckDefinition<TcpTarget> = {
  type: 'tcp',
  schema,
  run: (target, signal) => connectOnce(target.hostname, target.port, target.timeout, signal),
  hostnameOrURL: (target) => `${target.hostname}:${target.port}`,
};
