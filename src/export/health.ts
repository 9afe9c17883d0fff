import type { Logger } from '../core/logger.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { SeriesTable } from '../storage/series.ts';

/** The exporters whose health `/readyz` and `monitoring_export_failures_total` report. */
export type ExporterName = 'file' | 'otlp' | 'state';

/**
 * Export failures: counted in `monitoring_export_failures_total{exporter,reason}`, each exporter's
 * first failure since its last success kept for `/readyz`, and each cause warned about once.
 */
export class ExportHealth {
  private readonly failures: SeriesTable<CounterSeries>;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();
  /** Exporters failing now, with the time (ms) of their first failure since their last success. */
  private readonly failingSince = new Map<ExporterName, number>();

  constructor(failures: SeriesTable<CounterSeries>, logger: Logger) {
    this.failures = failures;
    this.logger = logger;
  }

  failed(exporter: ExporterName, reason: string): void {
    this.failures.get2(exporter, reason).value++;
    if (!this.failingSince.has(exporter)) this.failingSince.set(exporter, Date.now());
  }

  succeeded(exporter: ExporterName): void {
    this.failingSince.delete(exporter);
  }

  /** Logs `message()` the first time `key` is seen. */
  warnOnce(key: string, message: () => string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(message());
  }

  /** The exporters failing now and since when (ms). */
  failing(): IterableIterator<[string, number]> {
    return this.failingSince.entries();
  }
}
