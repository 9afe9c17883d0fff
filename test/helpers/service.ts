import {
  initEnhancedMonitoring,
  type Logger,
  type MonitoringOptions,
  type MonitoringService,
} from '../../src/index.ts';
import { parseExposition, type Exposition } from './exposition.ts';

/** A logger that keeps what it is told, for asserting warnings. */
export class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string }[] = [];
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  get warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}

const running: MonitoringService[] = [];

/** Starts the SDK on a free port with system and runtime metrics off unless asked (their figures move between scrapes), and a recording logger; `stopAll` shuts it down. */
export async function start(
  options: MonitoringOptions = {},
): Promise<{ monitoring: MonitoringService; logger: RecordingLogger }> {
  const logger = new RecordingLogger();
  const monitoring = await initEnhancedMonitoring({
    port: 0,
    systemMetrics: false,
    runtimeMetrics: false,
    logger,
    ...options,
  });
  running.push(monitoring);
  return { monitoring, logger };
}

/** Shuts down every instance `start` made; pass it to afterEach. */
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((m) => m.shutdown()));
}

/** Scrapes the running endpoint over real HTTP and parses it. */
export async function scrape(monitoring: MonitoringService, path = '/metrics'): Promise<Exposition> {
  const url = new URL(path, monitoring.metricsUrl);
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return parseExposition(await res.text());
}
