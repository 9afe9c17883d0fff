import { readdir, readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, networkInterfaces, platform, totalmem, uptime, type CpuInfo } from 'node:os';
import type { Attributes, BatchObservableCallback, Meter, MeterProvider, Observable } from '@opentelemetry/api';
import type { Logger } from '../core/logger.ts';
import { SYSTEM } from '../contract/semconv.ts';

/**
 * The metrics of OpenTelemetry's host-metrics instrumentation (0.7), published here under the same
 * names, descriptions, units and attributes. The package itself is not used on Linux: it reads the
 * network counters through `systeminformation`, which runs `ip route` in a shell synchronously
 * (the event loop stops for milliseconds) at every collection, and it brings the instrumentation
 * machinery (require and import hooks) into every bot at start for what are a few `os` calls.
 */
const HOST = Object.freeze({
  cpuTime: 'system.cpu.time',
  cpuUtilization: 'system.cpu.utilization',
  memoryUsage: 'system.memory.usage',
  memoryUtilization: 'system.memory.utilization',
  networkDropped: 'system.network.packet.dropped',
  networkErrors: 'system.network.errors',
  networkIo: 'system.network.io',
  processCpuTime: 'process.cpu.time',
  processCpuUtilization: 'process.cpu.utilization',
  processMemoryUsage: 'process.memory.usage',
});

const CPU_MODES = ['user', 'system', 'idle', 'interrupt', 'nice'] as const;
/** The shortest time over which CPU utilizations are computed (ms); see the collection callback. */
export const UTILIZATION_WINDOW_MS = 1000;
type CpuMode = (typeof CPU_MODES)[number];
/** `os.cpus()` field of each `cpu.mode`. */
const CPU_TIMES: Record<CpuMode, keyof CpuInfo['times']> = {
  user: 'user',
  system: 'sys',
  idle: 'idle',
  interrupt: 'irq',
  nice: 'nice',
};

/** The network counters of one interface, as the kernel keeps them. */
export interface NetworkCounters {
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
  rxErrors: number;
  txErrors: number;
}

const RTF_UP = 0x1;

/**
 * The counters of `iface` in /proc/net/dev (this process's network namespace), in one read. Its
 * receive `drop` column also counts the packets the card missed, as the Collector's hostmetrics
 * receiver reports them.
 */
export function parseNetDev(text: string, iface: string): NetworkCounters | undefined {
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() !== iface) continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 12 || f.some((v) => !Number.isFinite(v))) return undefined;
    return { rxBytes: f[0]!, rxErrors: f[2]!, rxDropped: f[3]!, txBytes: f[8]!, txErrors: f[10]!, txDropped: f[11]! };
  }
  return undefined;
}

/**
 * The interface of the IPv4 default route in /proc/net/route (the lowest metric among the routes
 * that are up), as `ip route | grep default` gives it; undefined when there is none.
 */
export function parseDefaultRoute(text: string): string | undefined {
  let best: string | undefined;
  let bestMetric = Infinity;
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, , flags, , , metric, mask] = line.trim().split(/\s+/);
    if (iface === undefined || destination !== '00000000' || mask !== '00000000') continue;
    if ((parseInt(flags ?? '0', 16) & RTF_UP) === 0) continue;
    const m = Number(metric);
    if (m < bestMetric) {
      best = iface;
      bestMetric = m;
    }
  }
  return best;
}

/** Without a default route: the first external interface, the one with the lowest IPv6 scope id first (systeminformation's rule). */
function firstExternalInterface(): string | undefined {
  let first: string | undefined;
  let scoped: string | undefined;
  let lowest = Infinity;
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal) continue;
      first ??= name;
      if (a.family === 'IPv6' && a.scopeid > 0 && a.scopeid < lowest) {
        scoped = name;
        lowest = a.scopeid;
      }
    }
  }
  return scoped ?? first;
}

/** The default interface and its counters (Linux), from two files of /proc: no child process. */
async function readDefaultNetwork(): Promise<{ iface: string; counters: NetworkCounters } | undefined> {
  const [routes, devices] = await Promise.all([
    readFile('/proc/net/route', 'utf8').catch(() => ''),
    readFile('/proc/net/dev', 'utf8'),
  ]);
  const iface = parseDefaultRoute(routes) ?? firstExternalInterface();
  if (iface === undefined) return undefined;
  const counters = parseNetDev(devices, iface);
  return counters === undefined ? undefined : { iface, counters };
}

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

const MEMORY_USED: Attributes = Object.freeze({ 'system.memory.state': 'used' });
const MEMORY_FREE: Attributes = Object.freeze({ 'system.memory.state': 'free' });
const MODE_USER: Attributes = Object.freeze({ 'cpu.mode': 'user' });
const MODE_SYSTEM: Attributes = Object.freeze({ 'cpu.mode': 'system' });

function cpuModeAttributes(cpu: number): Record<CpuMode, Attributes> {
  const out = {} as Record<CpuMode, Attributes>;
  for (const mode of CPU_MODES) out[mode] = Object.freeze({ 'cpu.mode': mode, 'cpu.logical_number': String(cpu) });
  return out;
}

/**
 * How long (ms) the readings that take file reads (network counters, process count, disk usage) are
 * reused. Fifty scrapers asking back to back make tens of collections a second, each of which would
 * otherwise read four files and statfs every mount through the thread pool; a scrape a second or
 * slower always gets a fresh reading. CPU, memory, load and uptime are read at every collection.
 */
const FILE_READINGS_MS = 1000;

type FileReadings = [
  { iface: string; counters: NetworkCounters } | undefined,
  number | undefined,
  { mount: Mount; stats: { blocks: number; bfree: number; bavail: number; bsize: number } }[],
];

/**
 * Host and process metrics: CPU, memory and process figures from Node (`os.cpus()`, `os.totalmem()`,
 * `process.cpuUsage()`...), network counters of the default interface, disk, load, process count and
 * uptime, all read at collection time (those that take file reads at most once a second,
 * `FILE_READINGS_MS`). On Linux nothing runs in a child process; elsewhere the
 * network counters come from OpenTelemetry's host-metrics instrumentation, loaded on first use.
 */
export class SystemMetrics {
  private readonly meter: Meter;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  private readonly logger: Logger;
  private readonly failed = new Set<string>();
  /** CPU times at the previous collection (at construction for the first), for the utilizations. */
  private previousCpus: { time: number; cpus: CpuInfo[] };
  private previousProcess: { time: number; usage: NodeJS.CpuUsage };
  /** The last window's utilizations: per CPU and mode (NaN before the first window), and the process's user and system. */
  private cpuUtilizations = new Float64Array(0);
  private processUtilization: [number, number] | undefined;
  /** `cpu.mode` and `cpu.logical_number` of each CPU, built once per CPU count. */
  private cpuAttributes: Record<CpuMode, Attributes>[] = [];
  /** Outside Linux: the host-metrics instrumentation publishing the network counters, once loaded. */
  private networkFallback: { disable(): void } | undefined;
  private stopped = false;
  /** The last file readings and when they started (`readFiles`). */
  private fileReadings: { time: number; read: Promise<FileReadings> } | undefined;

  constructor(meterProvider: MeterProvider, meter: Meter, logger: Logger) {
    this.logger = logger;
    this.meter = meter;
    const now = performance.now();
    this.previousCpus = { time: now, cpus: cpus() };
    this.previousProcess = { time: now, usage: process.cpuUsage() };
    const linux = platform() === 'linux';

    const cpuTime = meter.createObservableCounter(HOST.cpuTime, { description: 'Cpu time in seconds', unit: 's' });
    const cpuUtilization = meter.createObservableGauge(HOST.cpuUtilization, { description: 'Cpu usage time 0-1' });
    const memoryUsage = meter.createObservableGauge(HOST.memoryUsage, { description: 'Memory usage in bytes' });
    const memoryUtilization = meter.createObservableGauge(HOST.memoryUtilization, { description: 'Memory usage 0-1' });
    const processCpuTime = meter.createObservableCounter(HOST.processCpuTime, {
      description: 'Process Cpu time in seconds',
      unit: 's',
    });
    const processCpuUtilization = meter.createObservableGauge(HOST.processCpuUtilization, {
      description: 'Process Cpu usage time 0-1',
    });
    const processMemoryUsage = meter.createObservableGauge(HOST.processMemoryUsage, {
      description: 'Process Memory usage in bytes',
    });
    const network = linux
      ? {
          dropped: meter.createObservableCounter(HOST.networkDropped, { description: 'Network dropped packets' }),
          errors: meter.createObservableCounter(HOST.networkErrors, { description: 'Network errors counter' }),
          io: meter.createObservableCounter(HOST.networkIo, { description: 'Network transmit and received bytes' }),
        }
      : undefined;
    if (!linux) this.loadNetworkFallback(meterProvider);

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
    this.observables = [
      cpuTime,
      cpuUtilization,
      memoryUsage,
      memoryUtilization,
      processCpuTime,
      processCpuUtilization,
      processMemoryUsage,
      ...(network === undefined ? [] : [network.dropped, network.errors, network.io]),
      fsUsage,
      fsUtilization,
      load1,
      load5,
      load15,
      processes,
      systemUptime,
      processUptime,
    ];

    this.callback = async (result) => {
      const now = performance.now();
      // The file reads first, so that they run while the figures from Node are observed.
      const filesRead = this.readFiles(now, network !== undefined);
      const current = cpus();
      const previous = this.previousCpus;
      const elapsedMs = now - previous.time;
      // Utilizations over at least UTILIZATION_WINDOW_MS: the kernel counts CPU time in ticks of
      // 10 ms, so over two collections a few ms apart (a scrape right after the dashboard's sample)
      // a difference reads as 0 or as several CPUs; in between, the last window's values stand.
      const newWindow = elapsedMs >= UTILIZATION_WINDOW_MS;
      if (this.cpuAttributes.length !== current.length) {
        this.cpuAttributes = current.map((_, i) => cpuModeAttributes(i));
        this.cpuUtilizations = new Float64Array(current.length * CPU_MODES.length).fill(Number.NaN);
      }
      const utilizations = this.cpuUtilizations;
      for (let i = 0; i < current.length; i++) {
        const times = current[i]!.times;
        const before = previous.cpus[i]?.times;
        const attributes = this.cpuAttributes[i]!;
        for (let m = 0; m < CPU_MODES.length; m++) {
          const mode = CPU_MODES[m]!;
          const field = CPU_TIMES[mode];
          result.observe(cpuTime, times[field] / 1000, attributes[mode]);
          const slot = i * CPU_MODES.length + m;
          if (newWindow && before !== undefined) utilizations[slot] = (times[field] - before[field]) / elapsedMs;
          if (!Number.isNaN(utilizations[slot]!)) result.observe(cpuUtilization, utilizations[slot]!, attributes[mode]);
        }
      }
      if (newWindow) this.previousCpus = { time: now, cpus: current };

      const total = totalmem();
      const free = freemem();
      result.observe(memoryUsage, total - free, MEMORY_USED);
      result.observe(memoryUsage, free, MEMORY_FREE);
      result.observe(memoryUtilization, (total - free) / total, MEMORY_USED);
      result.observe(memoryUtilization, free / total, MEMORY_FREE);

      const usage = process.cpuUsage();
      const before = this.previousProcess;
      result.observe(processCpuTime, usage.user / 1e6, MODE_USER);
      result.observe(processCpuTime, usage.system / 1e6, MODE_SYSTEM);
      // Over every CPU, as host-metrics does: 1 is the whole machine busy with this process.
      const cpuMicros = (now - before.time) * 1000 * current.length;
      if (now - before.time >= UTILIZATION_WINDOW_MS) {
        this.processUtilization = [
          (usage.user - before.usage.user) / cpuMicros,
          (usage.system - before.usage.system) / cpuMicros,
        ];
        this.previousProcess = { time: now, usage };
      }
      if (this.processUtilization !== undefined) {
        result.observe(processCpuUtilization, this.processUtilization[0], MODE_USER);
        result.observe(processCpuUtilization, this.processUtilization[1], MODE_SYSTEM);
      }
      result.observe(processMemoryUsage, process.memoryUsage.rss());

      const [l1, l5, l15] = loadavg();
      result.observe(load1, l1 ?? 0);
      result.observe(load5, l5 ?? 0);
      result.observe(load15, l15 ?? 0);
      result.observe(systemUptime, uptime());
      result.observe(processUptime, process.uptime());

      const [net, count, disks] = await filesRead;
      if (network !== undefined && net !== undefined) {
        const receive = { 'system.device': net.iface, 'network.io.direction': 'receive' };
        const transmit = { 'system.device': net.iface, 'network.io.direction': 'transmit' };
        const c = net.counters;
        result.observe(network.dropped, c.rxDropped, receive);
        result.observe(network.dropped, c.txDropped, transmit);
        result.observe(network.errors, c.rxErrors, receive);
        result.observe(network.errors, c.txErrors, transmit);
        result.observe(network.io, c.rxBytes, receive);
        result.observe(network.io, c.txBytes, transmit);
      }
      if (count !== undefined) result.observe(processes, count);
      for (const { mount: m, stats } of disks) {
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
    this.stopped = true;
    this.networkFallback?.disable();
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }

  /**
   * The readings that take file reads (network counters, process count, disks), reused for
   * FILE_READINGS_MS: collections back to back share one reading, a collection a second or more
   * after the last one reads again.
   */
  private readFiles(now: number, network: boolean): Promise<FileReadings> {
    const last = this.fileReadings;
    if (last !== undefined && now - last.time < FILE_READINGS_MS) return last.read;
    const read = Promise.all([
      network ? this.attempt('network statistics', readDefaultNetwork) : undefined,
      this.attempt('process count', processCount),
      this.readDisks(),
    ]);
    this.fileReadings = { time: now, read };
    return read;
  }

  /** The mounted file systems and their usage, read in parallel; a mount that cannot be read is skipped. */
  private async readDisks(): Promise<
    { mount: Mount; stats: { blocks: number; bfree: number; bavail: number; bsize: number } }[]
  > {
    const mounts = (await this.attempt('mount list', listMounts)) ?? [];
    const read = await Promise.all(
      mounts.map(async (mount) => ({
        mount,
        stats: await this.attempt(`statfs ${mount.mountpoint}`, () => statfs(mount.mountpoint)),
      })),
    );
    return read.flatMap(({ mount, stats }) => (stats === undefined || stats.blocks === 0 ? [] : [{ mount, stats }]));
  }

  /** Outside Linux, the network counters come from host-metrics (systeminformation reads them with the platform's tools). */
  private loadNetworkFallback(meterProvider: MeterProvider): void {
    import('@opentelemetry/instrumentation-host-metrics').then(
      ({ HostMetricsInstrumentation }) => {
        if (this.stopped) return;
        const host = new HostMetricsInstrumentation({ enabled: false, metricGroups: ['system.network'] });
        host.setMeterProvider(meterProvider);
        host.enable();
        this.networkFallback = host;
      },
      (error: unknown) => {
        this.logger.warn(`system metrics: cannot load the network statistics (${(error as Error).message}); skipped`);
      },
    );
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
