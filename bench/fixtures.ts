/**
 * Inputs shared by every contestant, built once before anything is timed: 10 symbols x 2
 * directions x 2 model types (or 2 statuses), shuffled into a ring of SIZE entries with a fixed
 * seed. Entry i of every array describes the same call, so each contestant records exactly the
 * same label sets and values in the same order.
 */

import type { ClosedTrade, ExecutedTrade, TradingSignal } from '@evil2root/monitoring';
import { prng } from '../test/helpers/random.ts';

export { prng };

export const SIZE = 1024;
export const MASK = SIZE - 1;

export const SYMBOLS = [
  'BTC/USD',
  'ETH/USD',
  'SOL/USD',
  'XRP/USD',
  'ADA/USD',
  'DOGE/USD',
  'AVAX/USD',
  'DOT/USD',
  'LINK/USD',
  'LTC/USD',
] as const;
export const DIRECTIONS = ['buy', 'sell'] as const;
export const MODELS = ['lstm', 'xgboost'] as const;
export const LABEL_SETS = SYMBOLS.length * DIRECTIONS.length * MODELS.length;

/** Label-set numbers 0..LABEL_SETS-1, each about SIZE/LABEL_SETS times, in shuffled order. */
function ring(random: () => number): number[] {
  const order = Array.from({ length: SIZE }, (_, i) => i % LABEL_SETS);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function labelsOf(set: number): { symbol: string; direction: 'buy' | 'sell'; third: number } {
  return {
    symbol: SYMBOLS[set % SYMBOLS.length]!,
    direction: DIRECTIONS[Math.floor(set / SYMBOLS.length) % 2]!,
    third: Math.floor(set / (SYMBOLS.length * 2)) % 2,
  };
}

// ---- recordTradingSignal ---------------------------------------------------------------------

export interface SignalInput {
  symbol: string;
  direction: 'buy' | 'sell';
  confidenceLevel: number;
  modelType: string;
}

export type SignalAttrs = { symbol: string; direction: string; model_type: string };

export interface SignalFixture {
  /** Label-set number of entry i, 0..LABEL_SETS-1. */
  readonly set: number[];
  /** What our SDK is called with. */
  readonly inputs: SignalInput[];
  /** OpenTelemetry attributes and prom-client labels of entry i (one object per label set). */
  readonly attrs: SignalAttrs[];
  /** The label values of each label set, for `labels(...)`. */
  readonly labelValues: [string, string, string][];
}

export function signalFixture(): SignalFixture {
  const random = prng(0x5eed);
  const labelValues: [string, string, string][] = [];
  const attrsBySet: SignalAttrs[] = [];
  for (let s = 0; s < LABEL_SETS; s++) {
    const { symbol, direction, third } = labelsOf(s);
    const model = MODELS[third]!;
    labelValues.push([symbol, direction, model]);
    attrsBySet.push({ symbol, direction, model_type: model });
  }
  const set = ring(random);
  const inputs: SignalInput[] = [];
  const attrs: SignalAttrs[] = [];
  for (const s of set) {
    const [symbol, direction, modelType] = labelValues[s]!;
    // Confidence in (0, 1], two decimals as a model would typically report; spread over all buckets.
    const confidenceLevel = Math.max(1, Math.round(random() * 100)) / 100;
    inputs.push({ symbol, direction: direction as 'buy' | 'sell', confidenceLevel, modelType });
    attrs.push(attrsBySet[s]!);
  }
  return { set, inputs, attrs, labelValues };
}

// ---- recordExecutedTrade ---------------------------------------------------------------------

export interface TradeInput {
  symbol: string;
  direction: 'buy' | 'sell';
  success: boolean;
}

export type TradeAttrs = { symbol: string; direction: string; status: string };

export interface TradeFixture {
  readonly set: number[];
  readonly inputs: TradeInput[];
  readonly attrs: TradeAttrs[];
  readonly labelValues: [string, string, string][];
}

export function tradeFixture(): TradeFixture {
  const random = prng(0x7eade);
  const labelValues: [string, string, string][] = [];
  const attrsBySet: TradeAttrs[] = [];
  for (let s = 0; s < LABEL_SETS; s++) {
    const { symbol, direction, third } = labelsOf(s);
    const status = third === 0 ? 'success' : 'failed';
    labelValues.push([symbol, direction, status]);
    attrsBySet.push({ symbol, direction, status });
  }
  const set = ring(random);
  const inputs: TradeInput[] = [];
  const attrs: TradeAttrs[] = [];
  for (const s of set) {
    const [symbol, direction, status] = labelValues[s]!;
    inputs.push({ symbol, direction: direction as 'buy' | 'sell', success: status === 'success' });
    attrs.push(attrsBySet[s]!);
  }
  return { set, inputs, attrs, labelValues };
}

// ---- updatePortfolioMetrics ------------------------------------------------------------------

export type Sides = { buy: number; sell: number };
export type PortfolioInput = {
  portfolioValue: number;
  balance: number;
  openPositions: { 'BTC/USD': Sides; 'ETH/USD': Sides };
};

/** The four position series, in the order the raw contestants set them. */
export const POSITION_SERIES = [
  { symbol: 'BTC/USD', direction: 'buy' },
  { symbol: 'BTC/USD', direction: 'sell' },
  { symbol: 'ETH/USD', direction: 'buy' },
  { symbol: 'ETH/USD', direction: 'sell' },
] as const;

export function portfolioFixture(): PortfolioInput[] {
  const random = prng(0xf0110);
  const updates: PortfolioInput[] = [];
  for (let i = 0; i < SIZE; i++) {
    const balance = Math.round(5_000 + random() * 5_000);
    updates.push({
      portfolioValue: balance + Math.round(random() * 20_000),
      balance,
      openPositions: {
        'BTC/USD': { buy: Math.floor(random() * 4), sell: Math.floor(random() * 3) },
        'ETH/USD': { buy: Math.floor(random() * 6), sell: Math.floor(random() * 2) },
      },
    });
  }
  return updates;
}

/** The four position values of an update, in POSITION_SERIES order. */
export function positionValues(u: PortfolioInput): [number, number, number, number] {
  const p = u.openPositions;
  return [p['BTC/USD'].buy, p['BTC/USD'].sell, p['ETH/USD'].buy, p['ETH/USD'].sell];
}

// ---- expected totals -------------------------------------------------------------------------

/** Sum of `valueOf(i & MASK)` for i in 0..n-1, for every run length: what a case recorded. */
export function expectedTotal(runs: readonly number[], valueOf: (i: number) => number): number {
  const prefix = new Float64Array(SIZE + 1);
  for (let i = 0; i < SIZE; i++) prefix[i + 1] = prefix[i]! + valueOf(i);
  let total = 0;
  for (const n of runs) total += Math.floor(n / SIZE) * prefix[SIZE]! + prefix[n % SIZE]!;
  return total;
}

/** The calls the worker benches (workers.ts, worker-call.ts) make, in the main thread and in workers alike. */
export const WORKER_METHODS = ['recordTradingSignal', 'recordExecutedTrade', 'recordClosedTrade'] as const;
export type WorkerMethod = (typeof WORKER_METHODS)[number];

/** `SIZE` arguments per method of `WORKER_METHODS`. */
export interface WorkerArguments {
  readonly recordTradingSignal: readonly TradingSignal[];
  readonly recordExecutedTrade: readonly ExecutedTrade[];
  readonly recordClosedTrade: readonly ClosedTrade[];
}

/** The worker benches' arguments: 4 symbols, both directions, varied values. */
export function workerArguments(): WorkerArguments {
  const symbols = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD'];
  const signals: TradingSignal[] = [];
  const trades: ExecutedTrade[] = [];
  const closed: ClosedTrade[] = [];
  for (let i = 0; i < SIZE; i++) {
    const symbol = symbols[i % symbols.length] as string;
    const direction = i % 3 === 0 ? 'sell' : 'buy';
    signals.push({ symbol, direction, confidenceLevel: (i % 100) / 100, modelType: 'lstm' });
    trades.push({ symbol, direction, success: i % 7 !== 0 });
    closed.push({ symbol, direction, pnl: ((i * 37) % 200) - 90, fees: 0.5 });
  }
  return { recordTradingSignal: signals, recordExecutedTrade: trades, recordClosedTrade: closed };
}
