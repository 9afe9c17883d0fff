import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecentFill } from '../domains/recent-fills.ts';
import { NO_STORE } from '../http/security-headers.ts';
import type { RouteHandler } from '../http/surface.ts';

/** Path of the recent fills, served with the dashboard and behind the same gate. */
export const FILLS_PATH = '/api/v1/fills';

/** Where the fills come from: the execution domain. */
export interface FillSource {
  recentFills(): RecentFill[];
}

/**
 * `GET /api/v1/fills`: `{"fills":[...]}`, the last fills of known orders, newest first (at most 50;
 * see `RecentFills`). Takes no parameter (400 otherwise). The list is built at the request, so the
 * recording path only writes into its preallocated slots.
 */
export function fillsRoute(source: FillSource): [string, RouteHandler] {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // The security headers come from the request surface, which sets them on every response.
    if ((req.url ?? '').includes('?') && !(req.url ?? '').endsWith('?')) {
      res.writeHead(400, { 'cache-control': NO_STORE, 'content-type': 'text/plain; charset=utf-8' });
      res.end('this route takes no parameter\n');
      return;
    }
    const body = Buffer.from(JSON.stringify({ fills: source.recentFills() }));
    res.writeHead(200, {
      'cache-control': NO_STORE,
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  };
  return [FILLS_PATH, handle];
}
