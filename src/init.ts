import { MonitoringConfigError, MonitoringStateError } from './core/errors.ts';
import { resolveOptions, type MonitoringOptions } from './config/options.ts';
import { MonitoringService } from './service.ts';
import { pm2Instance, workerKind } from './workers/context.ts';

// Kept on globalThis so that the ESM and CommonJS builds, if both get loaded, share one instance.
const SLOT = Symbol.for('@evil2root/monitoring.current');
type Slot = { service?: MonitoringService; starting?: boolean };
const slot: Slot = ((globalThis as Record<symbol, Slot>)[SLOT] ??= {});

/**
 * Starts monitoring: validates the options, builds the MeterProvider and its readers, starts
 * system metrics and binds the Prometheus endpoint. Rejects with MonitoringConfigError naming the
 * option or the address at fault, and with MonitoringStateError while another instance runs. In a
 * worker thread or a cluster worker it fails with MonitoringConfigError unless `allowInWorker` is set:
 * call `connectMonitoring()` there instead.
 */
export async function initEnhancedMonitoring(options: MonitoringOptions = {}): Promise<MonitoringService> {
  const resolved = resolveOptions(options);
  if (!resolved.allowInWorker) refuseInWorker();
  if (slot.service !== undefined || slot.starting) {
    throw new MonitoringStateError(
      'monitoring is already running; call shutdown() on it before initEnhancedMonitoring() again',
    );
  }
  slot.starting = true;
  try {
    const service = await MonitoringService.start(resolved, (stopping) => {
      if (slot.service === stopping) slot.service = undefined;
    });
    slot.service = service;
    return service;
  } finally {
    slot.starting = false;
  }
}

/** The running instance; throws MonitoringStateError before `initEnhancedMonitoring` or after `shutdown`. */
export function getMonitoringService(): MonitoringService {
  if (slot.service === undefined) {
    throw new MonitoringStateError('monitoring is not initialized: await initEnhancedMonitoring(options) first');
  }
  return slot.service;
}

/**
 * A worker thread or a cluster worker that starts its own monitoring binds a port of its own (a
 * cluster worker even shares the primary's port, and scrapes reach one worker at random) and its
 * figures never meet the others': fail, saying what to do instead.
 */
function refuseInWorker(): void {
  const kind = workerKind();
  if (kind === undefined) return;
  const instance = pm2Instance();
  if (kind === 'cluster' && instance !== undefined) {
    throw new MonitoringConfigError(
      `initEnhancedMonitoring() in PM2 cluster mode (instance ${instance}): PM2 is the cluster primary, so no process can gather the instances' figures. Either run PM2 in fork mode with one monitoring, or set allowInWorker: true with a port per instance (e.g. port: 9464 + Number(process.env.NODE_APP_INSTANCE)), a distinct serviceInstanceId, and one Prometheus target per instance`,
      'allowInWorker',
    );
  }
  const where = kind === 'thread' ? 'a worker thread' : 'a cluster worker';
  const primary = kind === 'thread' ? 'the main thread' : 'the cluster primary';
  throw new MonitoringConfigError(
    `initEnhancedMonitoring() in ${where}: call it once in ${primary}, and here \`const monitoring = await connectMonitoring()\`, whose calls are recorded there; set allowInWorker: true for a separate monitoring of this ${kind === 'thread' ? 'thread' : 'process'} on a port of its own`,
    'allowInWorker',
  );
}
