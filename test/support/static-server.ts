// A tiny HTTP server answering fixed routes: stand-ins for a domain's .well-known, a web client, a redirecting proxy.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One fixed answer; an object body is sent as JSON. */
export interface StaticRoute {
  status?: number;
  /** Content type; default application/json for objects, text/html for strings. */
  type?: string;
  body: string | object;
  headers?: Record<string, string>;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Paths requested, in order (without query strings). */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `routes` (keyed by path, e.g. `/`, `/config.json`) on 127.0.0.1; other paths get a 404 page. */
export async function startStaticServer(routes: Record<string, StaticRoute>): Promise<StaticServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>');
      return;
    }
    const isText = typeof route.body === 'string';
    const body = isText ? route.body as string : JSON.stringify(route.body);
    res.writeHead(route.status ?? 200, { 'content-type': route.type ?? (isText ? 'text/html; charset=utf-8' : 'application/json'), ...route.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
