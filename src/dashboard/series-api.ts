import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMON_HEADERS, NO_STORE } from '../http/security-headers.ts';
import type { MetricHistory, SeriesQuery } from './history.ts';

/** Longest value accepted for a query parameter; longer ones are a 400. */
const MAX_PARAM = 200;

/**
 * Reads the query of `GET /api/v1/series`: `names` (comma-separated metric names), `symbol`,
 * `model`, `since` (Unix milliseconds). Returns a message for a bad parameter.
 */
export function parseSeriesQuery(url: string): SeriesQuery | string {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const query: { -readonly [K in keyof SeriesQuery]: SeriesQuery[K] } = {};
  for (const [key, value] of params) {
    if (value.length > MAX_PARAM * 20 || (key !== 'names' && value.length > MAX_PARAM))
      return `parameter ${key} is too long`;
    switch (key) {
      case 'names':
        query.names = value.split(',').filter((n) => n !== '');
        break;
      case 'symbol':
        if (value !== '') query.symbol = value;
        break;
      case 'model':
        if (value !== '') query.model = value;
        break;
      case 'since': {
        const since = Number(value);
        if (!Number.isFinite(since)) return 'since must be a Unix time in milliseconds';
        query.since = since;
        break;
      }
      default:
        return `unknown parameter (known: names, symbol, model, since)`;
    }
  }
  return query;
}

/** `GET /api/v1/series`: the history as JSON, never cached. */
export function seriesHandler(history: MetricHistory): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const query = parseSeriesQuery(req.url ?? '/');
    const headers = { ...COMMON_HEADERS, 'cache-control': NO_STORE };
    if (typeof query === 'string') {
      res.writeHead(400, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${query}\n`);
      return;
    }
    const body = JSON.stringify(history.query(query));
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
}
