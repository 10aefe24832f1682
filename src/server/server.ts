// The HTTP server: health, readiness and metrics; sources add their routes as fastify plugins.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging.js';

/** What the server needs to answer /readyz and /metrics. */
export interface ServerDeps {
  logger: Logger;
  metrics: Registry;
  /** Why Vigie is not ready (database closed, delivery parked…), or an empty list. */
  notReady(): string[];
  /** Route plugins of the sources (ingest, push…). */
  plugins?: FastifyPluginAsync[];
}

/** Builds the server (not listening yet). */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; widening it keeps FastifyInstance's default type parameters.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ component: 'http' });
  // Request lines are off: ingest URLs carry secrets, and fastify's own error lines would print them.
  const logController = new LogController({ disableRequestLogging: true });
  const app: FastifyInstance = Fastify({ loggerInstance, logController, bodyLimit: 1024 * 1024 });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const problems = deps.notReady();
    return reply.code(problems.length === 0 ? 200 : 503).send({ status: problems.length === 0 ? 'ready' : 'not ready', problems });
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
