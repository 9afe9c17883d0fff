/**
 * The contestants of each operation: our SDK, raw OpenTelemetry (1 and 3 readers) and prom-client
 * (labels object and bound child), each with its own loop over the shared fixtures and a check of
 * what it recorded.
 */
import type { Counter as OtelCounter, Gauge as OtelGauge, Histogram as OtelHistogram } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { CONFIDENCE_BUCKETS, type MonitoringService } from '@evil2root/monitoring';
import * as prom from 'prom-client';
import {
  collectAll,
  expectEqual,
  gaugeKey,
  otelCounterTotal,
  otelGaugeValues,
  otelHistogramTotals,
  otelSeriesCount,
  sampleTotal,
  samplesOf,
  type NamedReader,
  type Sample,
} from './check.ts';
import {
  expectedTotal,
  LABEL_SETS,
  MASK,
  POSITION_SERIES,
  positionValues,
  type PortfolioInput,
  type SignalFixture,
  type TradeFixture,
} from './fixtures.ts';
import type { Case } from './harness.ts';

export interface Contestant extends Case {
  /** True for our SDK: the reference of the ratios. */
  readonly sdk: boolean;
  /** Problems with what the contestant recorded, given the lengths of all its runs. */
  readonly verify: (runs: readonly number[]) => Promise<string[]>;
}

export interface Operation {
  readonly key: 'recordTradingSignal' | 'recordExecutedTrade' | 'updatePortfolioMetrics';
  readonly title: string;
  readonly contestants: Contestant[];
  /** The loop and the input read alone: what every case pays besides the operation. */
  readonly floor: Case;
  readonly notes: string[];
}

const HOUR_MS = 3_600_000;
const BUCKETS = [...CONFIDENCE_BUCKETS];

// ---- raw OpenTelemetry setups ----------------------------------------------------------------

interface OtelSetup {
  readonly provider: MeterProvider;
  readonly readers: NamedReader[];
}

const providers: MeterProvider[] = [];

/**
 * A MeterProvider with the Prometheus pull reader (server not started) and, for 3 readers, two
 * periodic readers on in-memory exporters, one cumulative and one delta, whose interval (1 h) does
 * not fire during the run: the configuration "Prometheus + OTLP + file" of STYLE.md section 5.
 */
function otelSetup(readerCount: 1 | 3): OtelSetup {
  const readers: NamedReader[] = [{ name: 'prometheus', reader: new PrometheusExporter({ preventServerStart: true }) }];
  if (readerCount === 3) {
    readers.push({
      name: 'periodic/cumulative',
      reader: new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
        exportIntervalMillis: HOUR_MS,
      }),
    });
    readers.push({
      name: 'periodic/delta',
      reader: new PeriodicExportingMetricReader({
        exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
        exportIntervalMillis: HOUR_MS,
      }),
    });
  }
  const provider = new MeterProvider({ readers: readers.map((r) => r.reader) });
  providers.push(provider);
  return { provider, readers };
}

export async function closeOtel(): Promise<void> {
  await Promise.all(providers.map((p) => p.shutdown()));
}

function readersLabel(n: 1 | 3): string {
  return n === 1 ? '1 reader' : '3 readers';
}

// ---- recordTradingSignal ---------------------------------------------------------------------

export function signalOperation(
  sdk: MonitoringService,
  sdkSamples: () => Promise<Sample[]>,
  fx: SignalFixture,
): Operation {
  const inputs = fx.inputs;
  const attrs = fx.attrs;
  const expectCount = (runs: readonly number[]) => expectedTotal(runs, () => 1);
  const expectSum = (runs: readonly number[]) => expectedTotal(runs, (i) => inputs[i]!.confidenceLevel);
  const contestants: Contestant[] = [];

  contestants.push({
    name: 'our SDK recordTradingSignal',
    sdk: true,
    run: (n) => {
      for (let i = 0; i < n; i++) sdk.recordTradingSignal(inputs[i & MASK]!);
      return n;
    },
    verify: async (runs) => {
      const p: string[] = [];
      const s = await sdkSamples();
      expectEqual(
        p,
        'trading_signals_total (sum of series)',
        sampleTotal(s, 'trading_signals_total'),
        expectCount(runs),
      );
      expectEqual(p, 'trading_signals_total series', samplesOf(s, 'trading_signals_total').length, LABEL_SETS);
      expectEqual(
        p,
        'trading_signal_confidence_count',
        sampleTotal(s, 'trading_signal_confidence_count'),
        expectCount(runs),
      );
      expectEqual(
        p,
        'trading_signal_confidence_sum',
        sampleTotal(s, 'trading_signal_confidence_sum'),
        expectSum(runs),
        1e-6,
      );
      return p;
    },
  });

  for (const readerCount of [1, 3] as const) {
    const setup = otelSetup(readerCount);
    const meter = setup.provider.getMeter('bench-signals-ch');
    const counter: OtelCounter = meter.createCounter('trading_signals', { description: 'signals' });
    const hist: OtelHistogram = meter.createHistogram('trading_signal_confidence', {
      description: 'confidence',
      advice: { explicitBucketBoundaries: BUCKETS },
    });
    contestants.push({
      name: `OTel counter+histogram, ${readersLabel(readerCount)}`,
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const a = attrs[i & MASK]!;
          counter.add(1, a);
          hist.record(inputs[i & MASK]!.confidenceLevel, a);
        }
        return n;
      },
      verify: async (runs) => {
        const p: string[] = [];
        for (const c of await collectAll(setup.readers)) {
          if (c.errors.length > 0) p.push(`${c.reader}: collection errors: ${String(c.errors[0])}`);
          expectEqual(
            p,
            `${c.reader} trading_signals`,
            otelCounterTotal(c.metrics, 'trading_signals'),
            expectCount(runs),
          );
          expectEqual(
            p,
            `${c.reader} trading_signals series`,
            otelSeriesCount(c.metrics, 'trading_signals'),
            LABEL_SETS,
          );
          const h = otelHistogramTotals(c.metrics, 'trading_signal_confidence');
          expectEqual(p, `${c.reader} trading_signal_confidence count`, h.count, expectCount(runs));
          expectEqual(p, `${c.reader} trading_signal_confidence sum`, h.sum, expectSum(runs), 1e-6);
        }
        return p;
      },
    });
  }

  for (const readerCount of [1, 3] as const) {
    const setup = otelSetup(readerCount);
    const counter: OtelCounter = setup.provider
      .getMeter('bench-signals-c')
      .createCounter('trading_signals', { description: 'signals' });
    contestants.push({
      name: `OTel counter.add only, ${readersLabel(readerCount)}`,
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) counter.add(1, attrs[i & MASK]!);
        return n;
      },
      verify: async (runs) => {
        const p: string[] = [];
        for (const c of await collectAll(setup.readers)) {
          if (c.errors.length > 0) p.push(`${c.reader}: collection errors: ${String(c.errors[0])}`);
          expectEqual(
            p,
            `${c.reader} trading_signals`,
            otelCounterTotal(c.metrics, 'trading_signals'),
            expectCount(runs),
          );
        }
        return p;
      },
    });
  }

  const labelNames = ['symbol', 'direction', 'model_type'] as const;
  const promCh = (bound: boolean): Contestant => {
    const registry = new prom.Registry();
    const counter = new prom.Counter({
      name: 'trading_signals_total',
      help: 'signals',
      labelNames,
      registers: [registry],
    });
    const hist = new prom.Histogram({
      name: 'trading_signal_confidence',
      help: 'confidence',
      labelNames,
      buckets: BUCKETS,
      registers: [registry],
    });
    const verify = async (runs: readonly number[]): Promise<string[]> => {
      const p: string[] = [];
      const c = await counter.get();
      expectEqual(
        p,
        'trading_signals_total',
        c.values.reduce((t, v) => t + v.value, 0),
        expectCount(runs),
      );
      expectEqual(p, 'trading_signals_total series', c.values.length, LABEL_SETS);
      const h = await hist.get();
      const named = (suffix: string) =>
        h.values.filter((v) => v.metricName === `trading_signal_confidence${suffix}`).reduce((t, v) => t + v.value, 0);
      expectEqual(p, 'trading_signal_confidence_count', named('_count'), expectCount(runs));
      expectEqual(p, 'trading_signal_confidence_sum', named('_sum'), expectSum(runs), 1e-6);
      return p;
    };
    if (!bound) {
      return {
        name: 'prom-client counter+histogram, labels object',
        sdk: false,
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const a = attrs[i & MASK]!;
            counter.inc(a);
            hist.observe(a, inputs[i & MASK]!.confidenceLevel);
          }
          return n;
        },
        verify,
      };
    }
    // Children bound once per label set; entry i points at its label set's children.
    const counterBySet = fx.labelValues.map((v) => counter.labels(...v));
    const histBySet = fx.labelValues.map((v) => hist.labels(...v));
    const counterChild = fx.set.map((s) => counterBySet[s]!);
    const histChild = fx.set.map((s) => histBySet[s]!);
    return {
      name: 'prom-client counter+histogram, bound child',
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          counterChild[i & MASK]!.inc();
          histChild[i & MASK]!.observe(inputs[i & MASK]!.confidenceLevel);
        }
        return n;
      },
      verify,
    };
  };
  contestants.push(promCh(false), promCh(true));

  const promC = (bound: boolean): Contestant => {
    const registry = new prom.Registry();
    const counter = new prom.Counter({
      name: 'trading_signals_total',
      help: 'signals',
      labelNames,
      registers: [registry],
    });
    const verify = async (runs: readonly number[]): Promise<string[]> => {
      const p: string[] = [];
      const c = await counter.get();
      expectEqual(
        p,
        'trading_signals_total',
        c.values.reduce((t, v) => t + v.value, 0),
        expectCount(runs),
      );
      return p;
    };
    if (!bound) {
      return {
        name: 'prom-client counter only, labels object',
        sdk: false,
        run: (n) => {
          for (let i = 0; i < n; i++) counter.inc(attrs[i & MASK]!);
          return n;
        },
        verify,
      };
    }
    const bySet = fx.labelValues.map((v) => counter.labels(...v));
    const child = fx.set.map((s) => bySet[s]!);
    return {
      name: 'prom-client counter only, bound child',
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) child[i & MASK]!.inc();
        return n;
      },
      verify,
    };
  };
  contestants.push(promC(false), promC(true));

  return {
    key: 'recordTradingSignal',
    title: 'recordTradingSignal: count the signal + observe its confidence (3 labels, 40 label sets)',
    contestants,
    floor: {
      name: 'loop + input read only',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += inputs[i & MASK]!.confidenceLevel + attrs[i & MASK]!.symbol.length;
        return acc;
      },
    },
    notes: ['"counter only" rows do half the work of our call (no histogram); they are the baseline the issue quotes.'],
  };
}

// ---- recordExecutedTrade ---------------------------------------------------------------------

export function tradeOperation(
  sdk: MonitoringService,
  sdkSamples: () => Promise<Sample[]>,
  fx: TradeFixture,
): Operation {
  const inputs = fx.inputs;
  const attrs = fx.attrs;
  const expectCount = (runs: readonly number[]) => expectedTotal(runs, () => 1);
  const expectSuccess = (runs: readonly number[]) => expectedTotal(runs, (i) => (inputs[i]!.success ? 1 : 0));
  const contestants: Contestant[] = [];

  contestants.push({
    name: 'our SDK recordExecutedTrade',
    sdk: true,
    run: (n) => {
      for (let i = 0; i < n; i++) sdk.recordExecutedTrade(inputs[i & MASK]!);
      return n;
    },
    verify: async (runs) => {
      const p: string[] = [];
      const s = await sdkSamples();
      expectEqual(p, 'executed_trades_total', sampleTotal(s, 'executed_trades_total'), expectCount(runs));
      expectEqual(
        p,
        'executed_trades_total{status="success"}',
        sampleTotal(s, 'executed_trades_total', (l) => l['status'] === 'success'),
        expectSuccess(runs),
      );
      expectEqual(p, 'executed_trades_total series', samplesOf(s, 'executed_trades_total').length, LABEL_SETS);
      return p;
    },
  });

  for (const readerCount of [1, 3] as const) {
    const setup = otelSetup(readerCount);
    const counter: OtelCounter = setup.provider
      .getMeter('bench-trades')
      .createCounter('executed_trades', { description: 'trades' });
    contestants.push({
      name: `OTel counter.add, ${readersLabel(readerCount)}`,
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) counter.add(1, attrs[i & MASK]!);
        return n;
      },
      verify: async (runs) => {
        const p: string[] = [];
        for (const c of await collectAll(setup.readers)) {
          if (c.errors.length > 0) p.push(`${c.reader}: collection errors: ${String(c.errors[0])}`);
          expectEqual(
            p,
            `${c.reader} executed_trades`,
            otelCounterTotal(c.metrics, 'executed_trades'),
            expectCount(runs),
          );
          expectEqual(
            p,
            `${c.reader} executed_trades{status=success}`,
            otelCounterTotal(c.metrics, 'executed_trades', (a) => a['status'] === 'success'),
            expectSuccess(runs),
          );
        }
        return p;
      },
    });
  }

  const labelNames = ['symbol', 'direction', 'status'] as const;
  const promTrade = (bound: boolean): Contestant => {
    const registry = new prom.Registry();
    const counter = new prom.Counter({
      name: 'executed_trades_total',
      help: 'trades',
      labelNames,
      registers: [registry],
    });
    const verify = async (runs: readonly number[]): Promise<string[]> => {
      const p: string[] = [];
      const c = await counter.get();
      expectEqual(
        p,
        'executed_trades_total',
        c.values.reduce((t, v) => t + v.value, 0),
        expectCount(runs),
      );
      expectEqual(
        p,
        'executed_trades_total{status=success}',
        c.values.filter((v) => v.labels['status'] === 'success').reduce((t, v) => t + v.value, 0),
        expectSuccess(runs),
      );
      return p;
    };
    if (!bound) {
      return {
        name: 'prom-client counter.inc, labels object',
        sdk: false,
        run: (n) => {
          for (let i = 0; i < n; i++) counter.inc(attrs[i & MASK]!);
          return n;
        },
        verify,
      };
    }
    const bySet = fx.labelValues.map((v) => counter.labels(...v));
    const child = fx.set.map((s) => bySet[s]!);
    return {
      name: 'prom-client counter.inc, bound child',
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) child[i & MASK]!.inc();
        return n;
      },
      verify,
    };
  };
  contestants.push(promTrade(false), promTrade(true));

  return {
    key: 'recordExecutedTrade',
    title: 'recordExecutedTrade: count the trade by status (3 labels, 40 label sets)',
    contestants,
    floor: {
      name: 'loop + input read only',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += (inputs[i & MASK]!.success ? 1 : 0) + attrs[i & MASK]!.symbol.length;
        return acc;
      },
    },
    notes: ['Raw contestants get the status label prebuilt; our SDK maps success -> status itself.'],
  };
}

// ---- updatePortfolioMetrics ------------------------------------------------------------------

export function portfolioOperation(
  sdk: MonitoringService,
  sdkSamples: () => Promise<Sample[]>,
  updates: PortfolioInput[],
): Operation {
  const contestants: Contestant[] = [];
  // The last update each case applied: every run starts at entry 0, the last one is `calls` long.
  const lastOf = (runs: readonly number[]) => updates[(runs[runs.length - 1]! - 1) & MASK]!;
  const checkValues = (
    p: string[],
    who: string,
    value: number,
    balance: number,
    positions: Map<string, number>,
    last: PortfolioInput,
  ) => {
    expectEqual(p, `${who} portfolio_value`, value, last.portfolioValue);
    expectEqual(p, `${who} balance`, balance, last.balance);
    const want = positionValues(last);
    POSITION_SERIES.forEach((ps, k) => {
      expectEqual(
        p,
        `${who} open_positions{${ps.symbol},${ps.direction}}`,
        positions.get(gaugeKey(ps)) ?? Number.NaN,
        want[k]!,
      );
    });
  };

  contestants.push({
    name: 'our SDK updatePortfolioMetrics',
    sdk: true,
    run: (n) => {
      for (let i = 0; i < n; i++) sdk.updatePortfolioMetrics(updates[i & MASK]!);
      return n;
    },
    verify: async (runs) => {
      const p: string[] = [];
      const s = await sdkSamples();
      const positions = new Map(samplesOf(s, 'open_positions').map((x) => [gaugeKey(x.labels), x.value]));
      checkValues(p, 'sdk', sampleTotal(s, 'portfolio_value'), sampleTotal(s, 'balance'), positions, lastOf(runs));
      return p;
    },
  });

  const positionAttrs = POSITION_SERIES.map((ps) => ({ symbol: ps.symbol, direction: ps.direction }));
  const [a0, a1, a2, a3] = positionAttrs as [
    (typeof positionAttrs)[0],
    (typeof positionAttrs)[0],
    (typeof positionAttrs)[0],
    (typeof positionAttrs)[0],
  ];

  for (const readerCount of [1, 3] as const) {
    const setup = otelSetup(readerCount);
    const meter = setup.provider.getMeter('bench-portfolio');
    const value: OtelGauge = meter.createGauge('portfolio_value');
    const balance: OtelGauge = meter.createGauge('balance');
    const positions: OtelGauge = meter.createGauge('open_positions');
    contestants.push({
      name: `OTel 6x Gauge.record, ${readersLabel(readerCount)}`,
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const u = updates[i & MASK]!;
          value.record(u.portfolioValue);
          balance.record(u.balance);
          const btc = u.openPositions['BTC/USD'];
          const eth = u.openPositions['ETH/USD'];
          positions.record(btc.buy, a0);
          positions.record(btc.sell, a1);
          positions.record(eth.buy, a2);
          positions.record(eth.sell, a3);
        }
        return n;
      },
      verify: async (runs) => {
        const p: string[] = [];
        for (const c of await collectAll(setup.readers)) {
          if (c.errors.length > 0) p.push(`${c.reader}: collection errors: ${String(c.errors[0])}`);
          const v = otelGaugeValues(c.metrics, 'portfolio_value').get('') ?? Number.NaN;
          const b = otelGaugeValues(c.metrics, 'balance').get('') ?? Number.NaN;
          checkValues(p, c.reader, v, b, otelGaugeValues(c.metrics, 'open_positions'), lastOf(runs));
        }
        return p;
      },
    });
  }

  const promPortfolio = (bound: boolean): Contestant => {
    const registry = new prom.Registry();
    const value = new prom.Gauge({ name: 'portfolio_value', help: 'value', registers: [registry] });
    const balance = new prom.Gauge({ name: 'balance', help: 'balance', registers: [registry] });
    const positions = new prom.Gauge({
      name: 'open_positions',
      help: 'positions',
      labelNames: ['symbol', 'direction'] as const,
      registers: [registry],
    });
    const verify = async (runs: readonly number[]): Promise<string[]> => {
      const p: string[] = [];
      const v = (await value.get()).values[0]?.value ?? Number.NaN;
      const b = (await balance.get()).values[0]?.value ?? Number.NaN;
      const pos = new Map((await positions.get()).values.map((x) => [gaugeKey(x.labels), x.value]));
      checkValues(p, 'prom-client', v, b, pos, lastOf(runs));
      return p;
    };
    if (!bound) {
      return {
        name: 'prom-client 6x gauge.set, labels object',
        sdk: false,
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const u = updates[i & MASK]!;
            value.set(u.portfolioValue);
            balance.set(u.balance);
            const btc = u.openPositions['BTC/USD'];
            const eth = u.openPositions['ETH/USD'];
            positions.set(a0, btc.buy);
            positions.set(a1, btc.sell);
            positions.set(a2, eth.buy);
            positions.set(a3, eth.sell);
          }
          return n;
        },
        verify,
      };
    }
    const c0 = positions.labels(a0.symbol, a0.direction);
    const c1 = positions.labels(a1.symbol, a1.direction);
    const c2 = positions.labels(a2.symbol, a2.direction);
    const c3 = positions.labels(a3.symbol, a3.direction);
    return {
      name: 'prom-client 6x gauge.set, bound children',
      sdk: false,
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const u = updates[i & MASK]!;
          value.set(u.portfolioValue);
          balance.set(u.balance);
          const btc = u.openPositions['BTC/USD'];
          const eth = u.openPositions['ETH/USD'];
          c0.set(btc.buy);
          c1.set(btc.sell);
          c2.set(eth.buy);
          c3.set(eth.sell);
        }
        return n;
      },
      verify,
    };
  };
  contestants.push(promPortfolio(false), promPortfolio(true));

  return {
    key: 'updatePortfolioMetrics',
    title: 'updatePortfolioMetrics: value + balance + 2 symbols x 2 directions of open positions',
    contestants,
    floor: {
      name: 'loop + input read only',
      run: (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const u = updates[i & MASK]!;
          const btc = u.openPositions['BTC/USD'];
          const eth = u.openPositions['ETH/USD'];
          acc += u.portfolioValue + u.balance + btc.buy + btc.sell + eth.buy + eth.sell;
        }
        return acc;
      },
    },
    notes: [
      'Our SDK also validates the whole update (unknown fields, every number) and replaces the position set',
      '(a symbol/direction absent from the update reads 0); the raw rows only set the 6 values.',
    ],
  };
}

// ---- scrape load: the same label sets in prom-client -----------------------------------------------

/** The model types of the scrape benches' label sets. */
export const SCRAPE_MODELS = ['momentum', 'mean_reversion', 'breakout', 'arbitrage', 'ensemble'] as const;

/**
 * Label set `i` of the scrape benches (symbol, direction, model type): 10 per symbol, so the first
 * `n` are `n` distinct sets (the scheme of `bench/scrape.ts`).
 */
export function scrapeLabelSet(i: number): { symbol: string; direction: 'buy' | 'sell'; model: string } {
  return {
    symbol: `SYM${Math.floor(i / 10)}/USD`,
    direction: i % 2 === 0 ? 'buy' : 'sell',
    model: SCRAPE_MODELS[(i >> 1) % 5]!,
  };
}

/** The k-th confidence recorded for label set `i`: spread over the buckets. */
export const scrapeConfidence = (i: number, k: number): number => (((i * 7 + k * 3) % 10) + 0.5) / 10;

/**
 * A prom-client registry holding `labelSets` label sets of `trading_signals_total` and the 10-bucket
 * `trading_signal_confidence` histogram (`observations` each), plus prom-client's default metrics
 * (process and Node figures, its counterpart of the SDK's host and runtime metrics), as a bot using
 * prom-client would serve them.
 */
export function promClientSignalRegistry(labelSets: number, observations = 3): prom.Registry {
  const registry = new prom.Registry();
  const { counter, histogram } = promClientSignalInstruments(registry);
  for (let i = 0; i < labelSets; i++) {
    const { symbol, direction, model } = scrapeLabelSet(i);
    const labels = { symbol, direction, model_type: model };
    for (let k = 0; k < observations; k++) {
      counter.inc(labels);
      histogram.observe(labels, scrapeConfidence(i, k));
    }
  }
  prom.collectDefaultMetrics({ register: registry });
  return registry;
}

/** prom-client's counterpart of `recordTradingSignal`'s two instruments, registered in `registry`. */
export function promClientSignalInstruments(registry: prom.Registry) {
  const labelNames = ['symbol', 'direction', 'model_type'] as const;
  const counter = new prom.Counter({
    name: 'trading_signals_total',
    help: "Trading signals emitted by the bot's models.",
    labelNames,
    registers: [registry],
  });
  const histogram = new prom.Histogram({
    name: 'trading_signal_confidence',
    help: 'Confidence level (0 to 1) of emitted trading signals.',
    labelNames,
    buckets: [...CONFIDENCE_BUCKETS],
    registers: [registry],
  });
  return { counter, histogram };
}
