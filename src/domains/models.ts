import type { GaugeSeries } from '../storage/gauge.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import type { SeriesTable } from '../storage/series.ts';
import { labelProblem, numberProblem, type InputGuard } from './input.ts';
import { METRICS, type MetricDefinition } from '../contract/metrics.ts';
import { StateMismatchError, StateReader } from '../analytics/state.ts';

/** Which model a figure belongs to: the `model_name`, `timeframe` and `symbol` labels. */
export interface ModelKey {
  /** Name of the model, e.g. `'lstm'`: the `model_name` label; a non-empty string. */
  modelName: string;
  /** Timeframe the model works on, e.g. `'1h'`: the `timeframe` label; a non-empty string. */
  timeframe: string;
  /** Instrument the model predicts, e.g. `'BTC/USD'`: the `symbol` label; a non-empty string. */
  symbol: string;
}

/** Quality figures of a model computed by the bot; any subset, at least one. */
export interface ModelPerformanceMetrics {
  /** Classification accuracy, 0 to 1: `model_accuracy`. */
  accuracy?: number;
  /** Classification precision, 0 to 1: `model_precision`. */
  precision?: number;
  /** Classification recall, 0 to 1: `model_recall`. */
  recall?: number;
  /** Classification F1 score, 0 to 1: `model_f1_score`. */
  f1Score?: number;
  /** Regression root mean squared error, >= 0: `model_rmse`. */
  rmse?: number;
  /** Regression mean absolute error, >= 0: `model_mae`. */
  mae?: number;
}

/** Quality figures of one model, given to `updateModelPerformance`. */
export interface ModelPerformanceUpdate extends ModelKey {
  /** Any subset; classification scores in [0, 1], errors >= 0. */
  metrics: ModelPerformanceMetrics;
}

/** Calibration figures of one model, given to `updateCalibrationMetrics`; `ece`, `reliabilityBins` or both. */
export interface CalibrationUpdate extends ModelKey {
  /** Expected calibration error, 0 to 1. */
  ece?: number;
  /** Observed frequency (0 to 1) per confidence bin, e.g. `{ '0.1': 0.12, '0.3': 0.28 }`; replaces the previous bins of this model. */
  reliabilityBins?: Record<string, number>;
}

/** Online-learning figures of one model, given to `updateOnlineLearningMetrics`; any subset, at least one. */
export interface OnlineLearningUpdate extends ModelKey {
  /** Drift statistic scaled so that 1 is the detection threshold; >= 0. */
  driftScore?: number;
  /** Samples in the replay memory; >= 0. */
  memorySize?: number;
  /** Current training loss: `online_learning_loss`; a finite number. */
  loss?: number;
}

type Field<K extends string> = { field: K; def: MetricDefinition; min: number; max: number };

const PERFORMANCE: readonly Field<keyof ModelPerformanceMetrics>[] = [
  { field: 'accuracy', def: METRICS.modelAccuracy, min: 0, max: 1 },
  { field: 'precision', def: METRICS.modelPrecision, min: 0, max: 1 },
  { field: 'recall', def: METRICS.modelRecall, min: 0, max: 1 },
  { field: 'f1Score', def: METRICS.modelF1Score, min: 0, max: 1 },
  { field: 'rmse', def: METRICS.modelRmse, min: 0, max: Infinity },
  { field: 'mae', def: METRICS.modelMae, min: 0, max: Infinity },
];
const ONLINE: readonly Field<'driftScore' | 'memorySize' | 'loss'>[] = [
  { field: 'driftScore', def: METRICS.driftDetection, min: 0, max: Infinity },
  { field: 'memorySize', def: METRICS.memoryBufferSize, min: 0, max: Infinity },
  { field: 'loss', def: METRICS.onlineLearningLoss, min: -Infinity, max: Infinity },
];
const KEY_FIELDS = ['modelName', 'timeframe', 'symbol'] as const;
const PERFORMANCE_UPDATE_FIELDS: ReadonlySet<string> = new Set([...KEY_FIELDS, 'metrics']);
const PERFORMANCE_FIELDS: ReadonlySet<string> = new Set(PERFORMANCE.map((f) => f.field));
const CALIBRATION_FIELDS: ReadonlySet<string> = new Set([...KEY_FIELDS, 'ece', 'reliabilityBins']);
const ONLINE_FIELDS: ReadonlySet<string> = new Set([...KEY_FIELDS, ...ONLINE.map((f) => f.field)]);

/** A model update as read by `InputGuard.read`, its key checked. */
type KeyedRecord = ModelKey & Record<string, unknown>;

/** Model quality figures reported by the bot, labelled by model, timeframe and symbol. */
export class ModelMetrics {
  private readonly guard: InputGuard;
  private readonly performance: ReadonlyMap<string, SeriesTable<GaugeSeries>>;
  private readonly online: ReadonlyMap<string, SeriesTable<GaugeSeries>>;
  private readonly calibrationError: SeriesTable<GaugeSeries>;
  private readonly reliability: SeriesTable<GaugeSeries>;
  /** The reliability bins last set per model, so that a bin missing from the next update stops being published. */
  private readonly lastBins = new Map<GaugeSeries, GaugeSeries[]>();

  constructor(registry: InstrumentRegistry, guard: InputGuard) {
    this.guard = guard;
    this.performance = new Map(PERFORMANCE.map((f) => [f.field, registry.gauge(f.def).table]));
    this.calibrationError = registry.gauge(METRICS.calibrationError).table;
    this.reliability = registry.gauge(METRICS.calibrationReliability).table;
    this.online = new Map(ONLINE.map((f) => [f.field, registry.gauge(f.def).table]));
  }

  /** Which reliability bins each model set last (their values are in the registry's state). */
  saveState(): { bins: [model: string, timeframe: string, symbol: string, bins: string[]][] } {
    const bins: [string, string, string, string[]][] = [];
    for (const [errorSeries, series] of this.lastBins) {
      const a = errorSeries.attributes;
      bins.push([
        String(a['model_name']),
        String(a['timeframe']),
        String(a['symbol']),
        series.map((s) => String(s.attributes['bin'])),
      ]);
    }
    return { bins };
  }

  /** Restores which bins each model set last, so the next update still clears the bins it leaves out. */
  restoreState(saved: unknown): string | undefined {
    const list = new StateReader(saved, 'models').array('bins');
    const checked = list.map((entry, i) => {
      if (
        !Array.isArray(entry) ||
        entry.length !== 4 ||
        !entry.slice(0, 3).every((v) => typeof v === 'string' && v.length > 0) ||
        !Array.isArray(entry[3]) ||
        !(entry[3] as unknown[]).every((v) => typeof v === 'string')
      )
        throw new StateMismatchError(`models.bins[${i}] is not [model, timeframe, symbol, bins]`);
      return entry as [string, string, string, string[]];
    });
    for (const [m, tf, symbol, bins] of checked) {
      this.lastBins.set(
        this.calibrationError.get3(m, tf, symbol),
        bins.map((bin) => this.reliability.get4(m, tf, symbol, bin)),
      );
    }
    return checked.length === 0 ? undefined : `${checked.length} calibration curves`;
  }

  /** The gauge tables the computed model analytics publish into as well. */
  get tables() {
    const performance = (f: keyof ModelPerformanceMetrics) => this.performance.get(f) as SeriesTable<GaugeSeries>;
    const online = (f: 'driftScore' | 'memorySize' | 'loss') => this.online.get(f) as SeriesTable<GaugeSeries>;
    return {
      accuracy: performance('accuracy'),
      precision: performance('precision'),
      recall: performance('recall'),
      f1: performance('f1Score'),
      rmse: performance('rmse'),
      mae: performance('mae'),
      ece: this.calibrationError,
      reliability: this.reliability,
      drift: online('driftScore'),
      loss: online('loss'),
      memory: online('memorySize'),
    };
  }

  updateModelPerformance(update: ModelPerformanceUpdate): void {
    const M = 'updateModelPerformance';
    const record = this.readKeyed(M, update, PERFORMANCE_UPDATE_FIELDS);
    if (record === undefined) return;
    const metrics = this.guard.read(M, 'metrics', record.metrics, PERFORMANCE_FIELDS, 'wrong_type');
    if (metrics === undefined) return;
    if (!this.fieldsValid(M, metrics, PERFORMANCE, 'metrics.')) return;
    if (!Object.values(metrics).some((v) => v !== undefined))
      return this.guard.reject(M, 'missing_field', 'metrics.<at least one figure>', undefined);
    this.apply(record, metrics, PERFORMANCE, this.performance);
  }

  updateCalibrationMetrics(update: CalibrationUpdate): void {
    const M = 'updateCalibrationMetrics';
    const record = this.readKeyed(M, update, CALIBRATION_FIELDS);
    if (record === undefined) return;
    const { ece, reliabilityBins } = record;
    if (ece === undefined && reliabilityBins === undefined)
      return this.guard.reject(M, 'missing_field', 'ece or reliabilityBins', undefined);
    if (ece !== undefined) {
      const p = numberProblem(ece, 0, 1);
      if (p !== undefined) return this.guard.reject(M, p, 'ece', ece);
    }
    let bins: Record<string, unknown> | undefined;
    if (reliabilityBins !== undefined) {
      bins = this.guard.read(M, 'reliabilityBins', reliabilityBins, undefined, 'wrong_type');
      if (bins === undefined) return;
      for (const bin in bins) {
        const binProblem = labelProblem(bin);
        if (binProblem !== undefined) return this.guard.reject(M, binProblem, 'reliabilityBins key', bin);
        const p = numberProblem(bins[bin], 0, 1);
        if (p !== undefined) return this.guard.reject(M, p, `reliabilityBins[${JSON.stringify(bin)}]`, bins[bin]);
      }
    }
    const { modelName, timeframe, symbol } = record;
    const errorSeries = this.calibrationError.get3(modelName, timeframe, symbol);
    if (ece !== undefined) errorSeries.value = ece as number;
    if (bins !== undefined) {
      const previous = this.lastBins.get(errorSeries) ?? [];
      for (const s of previous) s.value = Number.NaN;
      const current: GaugeSeries[] = [];
      for (const bin in bins) {
        const s = this.reliability.get4(modelName, timeframe, symbol, bin);
        s.value = bins[bin] as number;
        current.push(s);
      }
      this.lastBins.set(errorSeries, current);
    }
  }

  updateOnlineLearningMetrics(update: OnlineLearningUpdate): void {
    const M = 'updateOnlineLearningMetrics';
    const record = this.readKeyed(M, update, ONLINE_FIELDS);
    if (record === undefined) return;
    let given = 0;
    for (const f of ONLINE) if (record[f.field] !== undefined) given++;
    if (given === 0) return this.guard.reject(M, 'missing_field', 'driftScore, memorySize or loss', undefined);
    if (!this.fieldsValid(M, record, ONLINE, '')) return;
    this.apply(record, record, ONLINE, this.online);
  }

  /** Reads an update once (`InputGuard.read`) and checks its model key; undefined after rejecting the call. */
  private readKeyed(method: string, update: unknown, fields: ReadonlySet<string>): KeyedRecord | undefined {
    const record = this.guard.read(method, 'update', update, fields, 'not_object');
    if (record === undefined) return undefined;
    for (const field of KEY_FIELDS) {
      const p = labelProblem(record[field]);
      if (p !== undefined) return this.guard.reject(method, p, field, record[field]);
    }
    return record as KeyedRecord;
  }

  /** Checks each of `fields` present in `values` against its range. */
  private fieldsValid(
    method: string,
    values: Record<string, unknown>,
    fields: readonly Field<string>[],
    prefix: string,
  ): boolean {
    for (const { field, min, max } of fields) {
      const value = values[field];
      if (value === undefined) continue;
      const p = numberProblem(value, min, max);
      if (p !== undefined) return this.guard.reject(method, p, prefix + field, value) ?? false;
    }
    return true;
  }

  private apply(
    key: ModelKey,
    values: Record<string, unknown>,
    fields: readonly Field<string>[],
    tables: ReadonlyMap<string, SeriesTable<GaugeSeries>>,
  ): void {
    for (const { field } of fields) {
      const value = values[field];
      if (value !== undefined)
        (tables.get(field) as SeriesTable<GaugeSeries>).get3(key.modelName, key.timeframe, key.symbol).value =
          value as number;
    }
  }
}
