import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ownFile } from '../core/own-file.ts';
import { PAGE_CSP } from './security-headers.ts';

/** One file the dashboard serves: its content type and where its bytes come from. */
export interface StaticAsset {
  readonly contentType: string;
  readonly load: () => string | Buffer;
}

/** A file of the uPlot package, resolved from this package's own dependencies (never the working directory). */
export function uplotFile(name: 'uPlot.iife.min.js' | 'uPlot.min.css'): string {
  const packageJson = createRequire(ownFile()).resolve('uplot/package.json');
  return join(dirname(packageJson), 'dist', name);
}

/**
 * Serves exactly the paths of the allow-list: the request path is looked up as sent, never
 * joined to a directory, so `..`, encoded traversals and absolute paths cannot name a file.
 * Bodies are read once, on first request.
 */
export function staticAssetHandler(asset: StaticAsset): (req: IncomingMessage, res: ServerResponse) => void {
  let body: Buffer | undefined;
  return (_req, res) => {
    body ??= Buffer.from(asset.load());
    // The other security headers are set by the surface; this CSP replaces its `default-src 'none'`.
    res.writeHead(200, {
      'content-security-policy': PAGE_CSP,
      'content-type': asset.contentType,
      'content-length': body.length,
      // The page and its assets change only with the package version; revalidation is cheap on loopback.
      'cache-control': 'no-cache',
    });
    res.end(body);
  };
}
