import { readdir, readFile, statfs } from 'node:fs/promises';
import { loadavg, platform, uptime } from 'node:os';
import type { BatchObservableCallback, Meter, MeterProvider, Observable } from '@opentelemetry/api';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import type { Logger } from '../core/logger.ts';
import { SYSTEM } from '../contract/semconv.ts';

/** Pseudo and in-memory file systems whose usage says nothing about the disk. */
const SKIPPED_FS_TYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

export interface Mount {
  device: string;
  mountpoint: string;
  type: string;
  mode: 'rw' | 'ro';
}

/** Parses /proc/mounts, keeping one mount point per device (bind mounts repeat it) and no pseudo file system. */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMountpoint, type, flags] = line.split(' ');
    if (!device || !rawMountpoint || !type || SKIPPED_FS_TYPES.has(type) || seen.has(device)) continue;
    seen.add(device);
    // /proc/mounts escapes space, tab, newline and backslash as octal.
    const mountpoint = rawMountpoint.replace(/\\([0-7]{3})/g, (_, oct: string) =>
      String.fromCharCode(parseInt(oct, 8)),
    );
    mounts.push({ device, mountpoint, type, mode: flags?.split(',').includes('ro') ? 'ro' : 'rw' });
  }
  return mounts;
}

async function listMounts(): Promise<Mount[]> {
  if (platform() !== 'linux') return [{ device: 'root', mountpoint: '/', type: 'unknown', mode: 'rw' }];
  return parseMounts(await readFile('/proc/mounts', 'utf8'));
}

async function processCount(): Promise<number | undefined> {
  if (platform() !== 'linux') return undefined;
  let count = 0;
  for (const entry of await readdir('/proc')) if (entry.charCodeAt(0) >= 48 && entry.charCodeAt(0) <= 57) count++;
  return count;
}

/** Host and process metrics: OpenTelemetry's host-metrics instrumentation plus disk, load, process count and uptime. */
export class SystemMetrics {
  private readonly host: HostMetricsInstrumentation;
  private readonly meter: Meter;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  private readonly logger: Logger;
  private readonly failed = new Set<string>();

  constructor(meterProvider: MeterProvider, meter: Meter, logger: Logger) {
    this.logger = logger;
    this.meter = meter;
    this.host = new HostMetricsInstrumentation({ enabled: false });
    this.host.setMeterProvider(meterProvider);
    this.host.enable();

    const fsUsage = meter.createObservableUpDownCounter(SYSTEM.filesystemUsage, {
      description: 'File system space by state (used, free, reserved).',
      unit: 'By',
    });
    const fsUtilization = meter.createObservableGauge(SYSTEM.filesystemUtilization, {
      description: 'Fraction of the file system space in use, as df reports it (0 to 1).',
      unit: '1',
    });
    const load1 = meter.createObservableGauge(SYSTEM.loadAverage1m, {
      description: 'System load average over 1 minute.',
      unit: '{thread}',
    });
    const load5 = meter.createObservableGauge(SYSTEM.loadAverage5m, {
      description: 'System load average over 5 minutes.',
      unit: '{thread}',
    });
    const load15 = meter.createObservableGauge(SYSTEM.loadAverage15m, {
      description: 'System load average over 15 minutes.',
      unit: '{thread}',
    });
    const processes = meter.createObservableUpDownCounter(SYSTEM.processCount, {
      description: 'Processes on the host.',
      unit: '{process}',
    });
    const systemUptime = meter.createObservableGauge(SYSTEM.systemUptime, {
      description: 'Time since the host booted.',
      unit: 's',
    });
    const processUptime = meter.createObservableGauge(SYSTEM.processUptime, {
      description: 'Time since this process started.',
      unit: 's',
    });
    this.observables = [fsUsage, fsUtilization, load1, load5, load15, processes, systemUptime, processUptime];

    this.callback = async (result) => {
      const [l1, l5, l15] = loadavg();
      result.observe(load1, l1 ?? 0);
      result.observe(load5, l5 ?? 0);
      result.observe(load15, l15 ?? 0);
      result.observe(systemUptime, uptime());
      result.observe(processUptime, process.uptime());
      const count = await this.attempt('process count', processCount);
      if (count !== undefined) result.observe(processes, count);
      for (const m of (await this.attempt('mount list', listMounts)) ?? []) {
        const stats = await this.attempt(`statfs ${m.mountpoint}`, () => statfs(m.mountpoint));
        if (stats === undefined || stats.blocks === 0) continue;
        const used = (stats.blocks - stats.bfree) * stats.bsize;
        const free = stats.bavail * stats.bsize;
        const reserved = (stats.bfree - stats.bavail) * stats.bsize;
        const attrs = {
          'system.device': m.device,
          'system.filesystem.mountpoint': m.mountpoint,
          'system.filesystem.type': m.type,
          'system.filesystem.mode': m.mode,
        };
        result.observe(fsUsage, used, { ...attrs, 'system.filesystem.state': 'used' });
        result.observe(fsUsage, free, { ...attrs, 'system.filesystem.state': 'free' });
        result.observe(fsUsage, reserved, { ...attrs, 'system.filesystem.state': 'reserved' });
        if (used + free > 0) result.observe(fsUtilization, used / (used + free), attrs);
      }
    };
    meter.addBatchObservableCallback(this.callback, this.observables);
  }

  stop(): void {
    this.host.disable();
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }

  /** A reading that fails (a mount vanished, /proc unreadable) is skipped and logged once per source. */
  private async attempt<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (!this.failed.has(what)) {
        this.failed.add(what);
        this.logger.warn(`system metrics: cannot read ${what} (${(error as Error).message}); skipped`);
      }
      return undefined;
    }
  }
}
