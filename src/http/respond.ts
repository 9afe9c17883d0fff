import type { ServerResponse } from 'node:http';
import { COMMON_HEADERS, NO_STORE } from './security-headers.ts';

/** A fixed plain-text answer carrying the security headers; the body is never built from the request. */
export function plainResponse(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'cache-control': NO_STORE,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
