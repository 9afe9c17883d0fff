import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PAGE_CSP } from './security-headers.ts';

/** One file the dashboard serves: its content type and where its bytes come from. */
export interface StaticAsset {
  readonly contentType: string;
  readonly load: () => string | Buffer;
}

/**
 * The path of this module, in the source (type stripping), the ES module build and the CommonJS
 * build alike: `import.meta.url` does not compile to CommonJS and `__filename` does not exist in
 * ES modules, but a stack frame names the file in both.
 */
function ownFile(): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    const file = frames[0]?.getFileName();
    if (file === undefined || file === null) throw new Error('cannot locate the monitoring package');
    return file;
  } finally {
    Error.prepareStackTrace = prepare;
  }
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
