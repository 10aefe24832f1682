// The HTTP server: health, readiness and metrics; sources add their routes as fastify plugins.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging.js';

/** What the server needs to answer /readyz and /metrics. */
export interface ServerDeps {
  logger: Logger;
  metrics: Registry;
  /** Why Vigie cannot take alerts now (its database closed), or an empty list. */
  notReady(): string[];
  /** What keeps alerts from the rooms while they are still taken and kept (no token, a parked room). */
  warnings?(): string[];
  /** Route plugins of the sources (ingest, push…). */
  plugins?: FastifyPluginAsync[];
}

/** The longest a request may take to arrive whole. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Builds the server (not listening yet). */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; widening it keeps FastifyInstance's default type parameters.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  // Request lines are off: ingest URLs carry secrets, and fastify's own error lines would print them.
  const logController = new LogController({ disableRequestLogging: true });
  const app: FastifyInstance = Fastify({
    loggerInstance, logController, bodyLimit: 1024 * 1024,
    // A client trickling a body must not hold a connection (and stop()) for ever: fastify's default is no limit.
    requestTimeout: REQUEST_TIMEOUT_MS,
  });
  // fastify logs a malformed request at trace level with its raw bytes, which hold ingest tokens and Authorization.
  app.server.removeAllListeners('clientError');
  app.server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    loggerInstance.debug({ code: err.code }, 'malformed HTTP request refused');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Ready means alerts are taken and kept: a parked room or a missing token is reported, but taking this instance
  // out of a load balancer for it would make Kuma's webhooks fail, and Kuma does not retry them.
  app.get('/readyz', async (_req, reply) => {
    const problems = deps.notReady();
    const warnings = deps.warnings?.() ?? [];
    return reply.code(problems.length === 0 ? 200 : 503).send({ status: problems.length === 0 ? 'ready' : 'not ready', problems, warnings });
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}

/** Listens on "host:port" (IPv6 as "[::1]:8080"); returns the address really bound. */
export async function listen(app: FastifyInstance, address: string): Promise<string> {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`invalid listen address "${address}": expected host:port`);
  try {
    return await app.listen({ host: match[1], port: Number(match[2]) });
  } catch (error) {
    const why = LISTEN_ERRORS[(error as NodeJS.ErrnoException).code ?? ''];
    if (why === undefined) throw error;
    throw new ListenError(`cannot listen on ${address}: ${why}; change server.listen in the configuration`, { cause: error });
  }
}

/** The HTTP server could not take its address: a configuration problem the person can fix (server.listen). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** What a failed listen means, in words (the codes Node gives). */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use (another Vigie, or another program)',
  EACCES: 'not allowed to use this port (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
};
