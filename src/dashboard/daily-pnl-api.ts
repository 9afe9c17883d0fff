import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DayPnl } from '../analytics/trading/calendar-pnl.ts';
import { NO_STORE } from '../http/security-headers.ts';

/**
 * `GET /api/v1/daily-pnl`: `{ "days": [{ "day": "YYYY-MM-DD", "pnl": number }, ...] }`, the realized
 * PnL of each of the last 90 UTC days, oldest first and ending today, for the dashboard's daily
 * bars. About 3 KB, rendered from the live ring on each request.
 */
export function dailyPnlHandler(days: () => readonly DayPnl[]) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const body = Buffer.from(JSON.stringify({ days: days() }));
    // The security headers come from the request surface, which sets them on every response.
    res.writeHead(200, {
      'cache-control': NO_STORE,
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  };
}
