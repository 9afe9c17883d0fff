import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BatchObservableCallback, Meter, ObservableGauge } from '@opentelemetry/api';
import { staticAssetHandler, uplotFile } from '../http/static-assets.ts';
import type { RouteHandler } from '../http/surface.ts';
import type { Logger } from '../core/logger.ts';
import type { ResolvedDashboard } from './options.ts';
import { fillsRoute, type FillSource } from './fills-api.ts';
import { SeriesApi } from './series-api.ts';
import type { MetricSource } from '../export/sources.ts';
import { MetricHistory, type SeriesContext } from './history.ts';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.ts';

/** OpenTelemetry name of the event-loop delay gauge (scraped as `nodejs_eventloop_delay_p99`), as the runtime-node instrumentation names it. */
export const EVENT_LOOP_DELAY_P99 = 'nodejs.eventloop.delay.p99';

/**
 * The built-in dashboard: the history it samples from the instruments and the registry every
 * `intervalSeconds`, the event-loop delay gauge, and the routes of the page, its assets and the
 * series API.
 */
export class Dashboard {
  /** What the history samples: the instruments and the registry. */
  readonly source: MetricSource;
  readonly history: MetricHistory;
  readonly seriesApi: SeriesApi;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly fills: FillSource;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private delay: ReturnType<typeof monitorEventLoopDelay> | undefined;
  private meter: Meter | undefined;
  private gauge: ObservableGauge | undefined;
  private readonly observeDelay: BatchObservableCallback = (result) => {
    if (this.delay === undefined || this.gauge === undefined) return;
    // Over the last collection interval of any reader; the histogram is reset so each reading is recent.
    if (this.delay.count > 0) result.observe(this.gauge, this.delay.percentile(99) / 1e9);
    this.delay.reset();
  };

  /**
   * `context`: the settings the series API passes to the page (see {@link SeriesContext}); `fills`: where
   * `/api/v1/fills` reads the recent fills (the execution domain; none without it).
   */
  constructor(
    settings: ResolvedDashboard,
    maxSlots: number,
    source: MetricSource,
    logger: Logger,
    context?: SeriesContext,
    fills: FillSource = { recentFills: () => [] },
  ) {
    this.logger = logger;
    this.fills = fills;
    this.intervalMs = settings.intervalSeconds * 1000;
    this.source = source;
    this.history = new MetricHistory({ ...settings, maxSlots, logger });
    this.seriesApi = new SeriesApi(this.history, context === undefined ? {} : { context });
  }

  /** Adds the event-loop delay gauge to the shared Meter and starts sampling (timer unref'd). */
  start(meter: Meter): void {
    this.meter = meter;
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.gauge = meter.createObservableGauge(EVENT_LOOP_DELAY_P99, {
      description: 'Event-loop delay, 99th percentile since the previous reading.',
      unit: 's',
    });
    meter.addBatchObservableCallback(this.observeDelay, [this.gauge]);
    void this.sample(false);
    this.timer = setInterval(() => void this.sample(false), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Takes one sample now; a failing collection is logged and never reaches the bot. The timer
   * skips a tick while a sample is in flight; an explicit call waits for it and takes a fresh one.
   */
  sample(fresh = true): Promise<void> {
    if (this.inFlight !== undefined) return fresh ? this.inFlight.then(() => this.sample(true)) : this.inFlight;
    const run = (async () => {
      try {
        const { resourceMetrics } = await this.source.collect();
        this.history.sample(resourceMetrics, Date.now());
      } catch (error) {
        this.logger.warn(`dashboard history: a collection failed (${(error as Error).message})`);
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    return run;
  }

  stop(): void {
    clearInterval(this.timer);
    this.delay?.disable();
    if (this.meter !== undefined && this.gauge !== undefined)
      this.meter.removeBatchObservableCallback(this.observeDelay, [this.gauge]);
  }

  /** `/dashboard`, its allow-listed assets, `/api/v1/series` and `/api/v1/fills`. */
  routes(): [string, RouteHandler][] {
    const text = (contentType: string, body: string) => staticAssetHandler({ contentType, load: () => body });
    return [
      ['/dashboard', text('text/html; charset=utf-8', PAGE_HTML)],
      ['/dashboard/page.js', text('text/javascript; charset=utf-8', PAGE_JS)],
      ['/dashboard/page.css', text('text/css; charset=utf-8', PAGE_CSS)],
      [
        '/dashboard/uPlot.iife.min.js',
        staticAssetHandler({
          contentType: 'text/javascript; charset=utf-8',
          load: () => readFileSync(uplotFile('uPlot.iife.min.js')),
        }),
      ],
      [
        '/dashboard/uPlot.min.css',
        staticAssetHandler({
          contentType: 'text/css; charset=utf-8',
          load: () => readFileSync(uplotFile('uPlot.min.css')),
        }),
      ],
      ['/api/v1/series', this.seriesApi.handle],
      fillsRoute(this.fills),
    ];
  }
}
