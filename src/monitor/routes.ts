// HTTP routes of the monitor engine: Kuma's push URL (/api/push/<token>) and the monitors' state (/api/monitors).
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parsePushQuery, type Push } from './checks/push.js';
import type { MonitorSnapshot } from './engine.js';

/** Kuma's answer to a push for a token no running monitor has. */
export const UNKNOWN_TOKEN_MESSAGE = 'Monitor not found or not active.';
/** A push carries its data in the query; a body, if any, is read up to this size and ignored, as Kuma does. */
const PUSH_BODY_LIMIT = 64 * 1024;

/** What the routes need from the engine. */
export interface MonitorApi {
  /** Records a push; false when no monitor has that token. */
  recordPush(token: string, push: Push): boolean;
  /** The monitors' current state. */
  snapshot(): MonitorSnapshot[];
}

/** The query string of a request, as Kuma reads it (repeated parameters: the first). */
function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const mark = url.indexOf('?');
  return new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1));
}

async function push(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply, api: MonitorApi) {
  const parsed = parsePushQuery(queryOf(request));
  if ('error' in parsed) return reply.code(400).send({ ok: false, msg: parsed.error });
  if (!api.recordPush(request.params.token, parsed.push)) return reply.code(404).send({ ok: false, msg: UNKNOWN_TOKEN_MESSAGE });
  return reply.send({ ok: true });
}

/** The routes, as a plugin for the server's `plugins`. */
export function monitorRoutes(api: MonitorApi): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // Push clients post anything (nothing, a form, text): the body is never read, so no type is refused with a 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PUSH_BODY_LIMIT }, (_request, _body, done) => done(null, undefined));
    app.route<{ Params: { token: string } }>({
      method: ['GET', 'POST', 'PUT'],
      url: '/api/push/:token',
      handler: (request, reply) => push(request, reply, api),
    });
    // The state only: never a push token, a header or a URL's credentials (the snapshot leaves them out).
    app.get('/api/monitors', async () => ({ monitors: api.snapshot() }));
  };
}
