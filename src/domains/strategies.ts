import { TradeAnalytics, type TradeSummary } from '../analytics/trading/trade-analytics.ts';
import type { DrawMode } from '../analytics/trading/trades.ts';
import { StateMismatchError, StateReader } from '../analytics/state.ts';
import type { InvalidReason } from '../contract/invalid-reasons.ts';
import { METRICS, type MetricDefinition } from '../contract/metrics.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { labelProblem } from './input.ts';

/** Settings of the per-strategy results, from the service options. */
export interface StrategySettings {
  /** Closed trades in each strategy's rolling window (the `tradeWindow` option). */
  readonly tradeWindow: number;
  /** How a break-even trade counts in the win rate (the `draws` option). */
  readonly draws: DrawMode;
  /** Distinct strategy names kept; further ones are recorded as `strategy="other"` (the `maxStrategies` option). */
  readonly maxStrategies: number;
}

/** The saved state of `StrategyMetrics`. */
export interface StrategiesState {
  /** Every strategy name seen, in the order it came: the ones that keep their own label after a restart. */
  readonly names: string[];
  readonly all: unknown;
  readonly strategies: [strategy: string, state: unknown][];
}

/** The value of the `strategy` label that aggregates every closed trade. */
export const ALL_STRATEGIES = 'all';
/** The value of the `strategy` label past `maxStrategies` distinct names. */
export const OTHER_STRATEGY = 'other';
/** The value of the `strategy` label of a closed trade or order that names none. */
export const UNSPECIFIED_STRATEGY = 'unspecified';

const OUTCOMES = ['loss', 'draw', 'win'] as const;
const WINDOWS = ['lifetime', 'rolling'] as const;

type StatField = {
  [K in keyof TradeSummary]: TradeSummary[K] extends number | undefined ? K : never;
}[keyof TradeSummary];
/** The closed-trade statistics published per strategy and window, as the per-symbol ones of the same name. */
const STRATEGY_STATS: readonly { field: StatField; def: MetricDefinition }[] = [
  { field: 'winRate', def: METRICS.strategyWinRate },
  { field: 'profitFactor', def: METRICS.strategyProfitFactor },
  { field: 'expectancy', def: METRICS.strategyExpectancy },
  { field: 'payoffRatio', def: METRICS.strategyPayoffRatio },
  { field: 'sqn', def: METRICS.strategySqn },
  { field: 'maxConsecutiveWins', def: METRICS.strategyMaxConsecutiveWins },
  { field: 'maxConsecutiveLosses', def: METRICS.strategyMaxConsecutiveLosses },
  { field: 'largestWin', def: METRICS.strategyLargestWin },
  { field: 'largestLoss', def: METRICS.strategyLargestLoss },
  { field: 'grossProfit', def: METRICS.strategyGrossProfit },
  { field: 'grossLoss', def: METRICS.strategyGrossLoss },
  { field: 'feesTotal', def: METRICS.strategyFees },
];

/** The results of one strategy (or of all), and their series found once. */
interface StrategyStats {
  readonly analytics: TradeAnalytics;
  readonly outcomes: readonly CounterSeries[];
  readonly pnl: GaugeSeries;
  readonly streak: GaugeSeries;
  /** STRATEGY_STATS lifetime, then STRATEGY_STATS rolling. */
  readonly stats: readonly GaugeSeries[];
}

/**
 * Per-strategy results: signals, executed trades and closed trades per `strategy`, and from the
 * closed trades realized PnL, outcomes, win rate, profit factor, expectancy, payoff ratio, SQN,
 * streaks, largest win and loss, gross profit and loss and fees (lifetime and rolling), with the same `TradeAnalytics` as the per-symbol statistics. They are new `strategy_*`
 * families rather than a `strategy` label on the existing ones, so that every existing query
 * (`realized_pnl{symbol="all"}`, `win_rate{symbol="all",window="lifetime"}`) keeps returning one
 * series with the same value. At most `maxStrategies` names keep a label of their own; further ones
 * are recorded as `strategy="other"`, a visible bucket rather than a silent drop.
 */
export class StrategyMetrics {
  private readonly settings: StrategySettings;
  private readonly signals: SeriesTable<CounterSeries>;
  private readonly executed_: SeriesTable<CounterSeries>;
  private readonly closed_: SeriesTable<CounterSeries>;
  private readonly pnl: SeriesTable<GaugeSeries>;
  private readonly streak: SeriesTable<GaugeSeries>;
  private readonly statTables: readonly SeriesTable<GaugeSeries>[];
  private names = new Set<string>();
  private all: StrategyStats;
  private byStrategy = new Map<string, StrategyStats>();

  constructor(registry: InstrumentRegistry, settings: StrategySettings) {
    this.settings = settings;
    this.signals = registry.counter(METRICS.strategySignals);
    this.executed_ = registry.counter(METRICS.strategyExecutedTrades);
    this.closed_ = registry.counter(METRICS.strategyTradesClosed);
    this.pnl = registry.gauge(METRICS.strategyRealizedPnl).table;
    this.streak = registry.gauge(METRICS.strategyCurrentStreak).table;
    this.statTables = STRATEGY_STATS.map((s) => registry.gauge(s.def).table);
    this.all = this.stats(ALL_STRATEGIES, this.analytics());
    registry.onCollect(() => this.publish());
  }

  /** Why `value` cannot be a strategy name (`reserved_value` for `all` and `other`), or undefined. */
  problem(value: unknown): InvalidReason | undefined {
    const p = labelProblem(value);
    if (p !== undefined) return p;
    return value === ALL_STRATEGIES || value === OTHER_STRATEGY ? 'reserved_value' : undefined;
  }

  /** The label a checked strategy name is recorded under: itself, or `other` past `maxStrategies` names. O(1). */
  label(strategy: string): string {
    const names = this.names;
    if (names.has(strategy)) return strategy;
    if (names.size >= this.settings.maxStrategies) return OTHER_STRATEGY;
    names.add(strategy);
    return strategy;
  }

  signal(strategy: string, direction: 'buy' | 'sell'): void {
    this.signals.get2(this.label(strategy), direction).value++;
  }

  executed(strategy: string, success: boolean): void {
    this.executed_.get2(this.label(strategy), success ? 'success' : 'failed').value++;
  }

  /**
   * A closed trade (checked): its net result `pnl - fees` counts for its strategy (`unspecified` without one) and for `all`,
   * from the first call that names a strategy on (before it, per-strategy results are not kept).
   */
  closed(
    strategy: string | undefined,
    pnl: number,
    fees: number | undefined,
    heldSeconds = NaN,
    closedAtMs = NaN,
  ): void {
    // Until some call names a strategy, a bot has no per-strategy results: strategy="all" and
    // "unspecified" would only repeat symbol="all", at twice the cost of a closed trade.
    if (strategy === undefined && this.names.size === 0) return;
    const net = pnl - (fees ?? 0);
    const outcome = Math.sign(net) + 1;
    this.all.analytics.add(pnl, fees, heldSeconds, closedAtMs);
    (this.all.outcomes[outcome] as CounterSeries).value++;
    const s = this.perStrategy(strategy === undefined ? UNSPECIFIED_STRATEGY : this.label(strategy));
    s.analytics.add(pnl, fees, heldSeconds, closedAtMs);
    (s.outcomes[outcome] as CounterSeries).value++;
  }

  /** The analytics of every strategy as plain JSON data (the counters are in the registry's state). */
  saveState(): StrategiesState {
    return {
      names: [...this.names],
      all: this.all.analytics.saveState(),
      strategies: [...this.byStrategy].map(([name, s]) => [name, s.analytics.saveState()]),
    };
  }

  /** Restores a saved state into this new instance; all or nothing (throws StateMismatchError). */
  restoreState(saved: unknown): string {
    const state = new StateReader(saved, 'strategies');
    const names = state.array('names');
    for (let i = 0; i < names.length; i++)
      if (typeof names[i] !== 'string' || this.problem(names[i]) !== undefined)
        throw new StateMismatchError(`strategies.names[${i}] is not a strategy name`);
    const all = this.analytics();
    all.loadState(state.get('all'));
    const list = state.array('strategies');
    const restored = new Map<string, TradeAnalytics>();
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[0].length === 0)
        throw new StateMismatchError(`strategies.strategies[${i}] is not a [strategy, state] pair`);
      const analytics = this.analytics();
      analytics.loadState(entry[1]);
      restored.set(entry[0], analytics);
    }
    // Past a smaller maxStrategies, the names beyond it fold into `other` from now on; their results stay theirs.
    this.names = new Set((names as string[]).slice(0, this.settings.maxStrategies));
    this.all = this.stats(ALL_STRATEGIES, all);
    this.byStrategy = new Map([...restored].map(([name, analytics]) => [name, this.stats(name, analytics)]));
    return `${restored.size} strategies`;
  }

  private perStrategy(name: string): StrategyStats {
    let s = this.byStrategy.get(name);
    if (s === undefined) this.byStrategy.set(name, (s = this.stats(name, this.analytics())));
    return s;
  }

  private analytics(): TradeAnalytics {
    return new TradeAnalytics({ window: this.settings.tradeWindow, draws: this.settings.draws });
  }

  private stats(strategy: string, analytics: TradeAnalytics): StrategyStats {
    const stats: GaugeSeries[] = [];
    for (const window of WINDOWS) for (const table of this.statTables) stats.push(table.get2(strategy, window));
    return {
      analytics,
      outcomes: OUTCOMES.map((o) => this.closed_.get2(strategy, o)),
      pnl: this.pnl.get1(strategy),
      streak: this.streak.get1(strategy),
      stats,
    };
  }

  private publish(): void {
    publishStats(this.all);
    for (const s of this.byStrategy.values()) publishStats(s);
  }
}

function publishStats(s: StrategyStats): void {
  const lifetime = s.analytics.lifetime();
  if (lifetime.trades === 0) return;
  writeStats(s.stats, 0, lifetime);
  writeStats(s.stats, STRATEGY_STATS.length, s.analytics.rolling());
  s.pnl.value = Number.isFinite(lifetime.netPnl) ? lifetime.netPnl : Number.NaN;
  s.streak.value = lifetime.currentStreak ?? Number.NaN;
}

function writeStats(series: readonly GaugeSeries[], at: number, summary: TradeSummary): void {
  for (let i = 0; i < STRATEGY_STATS.length; i++) {
    const value = summary[(STRATEGY_STATS[i] as { field: StatField }).field];
    // Undefined (no win, no loss, one trade) or not finite is not published, as per symbol.
    (series[at + i] as GaugeSeries).value = value !== undefined && Number.isFinite(value) ? value : Number.NaN;
  }
}
