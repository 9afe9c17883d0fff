import { MonitoringStateError } from './core/errors.ts';
import { resolveOptions, type MonitoringOptions } from './config/options.ts';
import { MonitoringService } from './service.ts';

// Kept on globalThis so that the ESM and CommonJS builds, if both get loaded, share one instance.
const SLOT = Symbol.for('@evil2root/monitoring.current');
type Slot = { service?: MonitoringService; starting?: boolean };
const slot: Slot = ((globalThis as Record<symbol, Slot>)[SLOT] ??= {});

/**
 * Starts monitoring: validates the options, builds the MeterProvider and its readers, starts
 * system metrics and binds the Prometheus endpoint. Rejects with MonitoringConfigError naming the
 * option or the address at fault, and with MonitoringStateError while another instance runs.
 */
export async function initEnhancedMonitoring(options: MonitoringOptions = {}): Promise<MonitoringService> {
  const resolved = resolveOptions(options);
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
