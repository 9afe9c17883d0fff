import * as clusterModule from 'node:cluster';
import type { Cluster } from 'node:cluster';
import { isMainThread } from 'node:worker_threads';

/**
 * The `node:cluster` object in both builds: the ES module's default export, or the module itself in
 * the CommonJS build (compiled without `esModuleInterop`, where a default import reads undefined).
 */
export const cluster: Cluster =
  (clusterModule as unknown as { default?: Cluster }).default ?? (clusterModule as unknown as Cluster);

/**
 * Where this code runs: `'thread'` in a worker thread, `'cluster'` in a `node:cluster` worker
 * process (its main thread), undefined in the main thread of any other process.
 */
export function workerKind(): 'thread' | 'cluster' | undefined {
  if (!isMainThread) return 'thread';
  if (cluster.isWorker) return 'cluster';
  return undefined;
}

/**
 * The PM2 instance number when this process is one instance of a PM2 app (`NODE_APP_INSTANCE`, set
 * in cluster and fork mode alike), else undefined.
 */
export function pm2Instance(environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = environment['NODE_APP_INSTANCE'];
  return value === undefined || value === '' ? undefined : value;
}
