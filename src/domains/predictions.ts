import { Adwin, type AdwinOptions } from '../analytics/models/adwin.ts';
import { PageHinkley, type PageHinkleyOptions } from '../analytics/models/page-hinkley.ts';
import { PendingPredictions, type DropReason } from '../analytics/models/pending.ts';
import { RollingCalibration } from '../analytics/models/rolling-calibration.ts';
import { RollingClassification } from '../analytics/models/rolling-classification.ts';
import { RollingRegression } from '../analytics/models/rolling-regression.ts';
import type { CounterSeries } from '../storage/counter.ts';
import type { GaugeSeries } from '../storage/gauge.ts';
import type { InstrumentRegistry } from '../storage/registry.ts';
import { OVERFLOW_ATTRIBUTES, SeriesTable } from '../storage/series.ts';
import { labelProblem, numberProblem, type InputGuard, type InvalidReason } from './input.ts';
import { METRICS } from '../contract/metrics.ts';
import { StateMismatchError, StateReader } from '../analytics/state.ts';
import type { ModelKey } from './models.ts';

/**
 * A prediction of a classifier: the predicted class (`'buy'`, `'up'` …). Scored by accuracy,
 * precision, recall and F1, and with `probability` by calibration.
 */
export interface ClassifierPrediction extends ModelKey {
  /**
   * Needed when the outcome comes later through `recordOutcome`; a non-empty string (at most 256
   * characters) or a finite number, unique per model, timeframe and symbol. The number 1 and the
   * string '1' are two ids.
   */
  predictionId?: string | number;
  /**
   * The predicted class; a non-empty string of at most 256 characters (it is the `class` label). A
   * model holds at most `maxClassesPerModel` distinct classes: a prediction bringing one more is
   * dropped and counted as `too_many`.
   */
  predicted: string;
  /** The confidence of the predicted class or, with `positiveClass`, the probability of that class; 0 to 1. */
  probability?: number;
  /** Binary classifiers whose `probability` is that of one class (e.g. `'up'`): calibration then compares it with `actual === positiveClass`. */
  positiveClass?: string;
  /** The true class, when already known; otherwise send it later with `recordOutcome`. */
  actual?: string;
}

/** A prediction of a regressor: a number, scored by RMSE and MAE. It has no `probability` and no `positiveClass`. */
export interface RegressorPrediction extends ModelKey {
  /**
   * Needed when the outcome comes later through `recordOutcome`; a non-empty string (at most 256
   * characters) or a finite number, unique per model, timeframe and symbol. The number 1 and the
   * string '1' are two ids.
   */
  predictionId?: string | number;
  /** The predicted value; a finite number. */
  predicted: number;
  /** The true value, when already known (a finite number); otherwise send it later with `recordOutcome`. */
  actual?: number;
  /** Classifiers only: a regression prediction with a probability is rejected. */
  probability?: never;
  /** Classifiers only: a regression prediction with a positive class is rejected. */
  positiveClass?: never;
}

/**
 * A prediction of a model, told apart by the type of `predicted`: a class (string) for a classifier,
 * a number for a regressor. One model's predictions must all be of one kind.
 */
export type Prediction = ClassifierPrediction | RegressorPrediction;

/** The truth of an earlier prediction, joined by `predictionId`. */
export interface Outcome extends ModelKey {
  /** The `predictionId` the prediction was recorded with, of the same type (the number 1 does not find the string '1'). */
  predictionId: string | number;
  /**
   * The true class (a non-empty string) of a classifier's prediction, or the true value (a finite
   * number) of a regressor's. Which of the two is checked at run time against the model's earlier
   * predictions: the other kind is rejected (`wrong_type`).
   */
  actual: string | number;
}

/** One training step of an online learner. */
export interface LearningStep extends ModelKey {
  /** Training loss of the step: `online_learning_loss`; a finite number. */
  loss: number;
  /** Samples in the replay memory; >= 0. */
  memorySize?: number;
}

/** A numeric input feature of a model, watched for drift. */
export interface FeatureValue {
  /** The model the feature feeds: the `model_name` label. */
  modelName: string;
  /**
   * Name of the feature, e.g. `'rsi_14'`; at most 100 features per model (fewer with a lower `maxSeriesPerMetric`)
   * and `maxFeatureStreams` over all models: a new one past either is dropped and counted as `too_many`.
   */
  feature: string;
  /** The feature's current value; a finite number. */
  value: number;
  /** Default `'all'`. */
  timeframe?: string;
  /** Default `'all'`. */
  symbol?: string;
}

/** Settings of the model analytics, from the service options. */
export interface PredictionSettings {
  readonly windowSize: number;
  readonly maxPending: number;
  readonly outcomeTtlMs: number;
  readonly calibrationBins: number;
  readonly adwin: AdwinOptions | false;
  readonly pageHinkley: PageHinkleyOptions | false;
  /** Features watched per model; further ones are dropped as invalid input (`too_many`). */
  readonly maxFeatures: number;
  /** Features watched over all models together; further ones are dropped as invalid input (`too_many`). */
  readonly maxFeatureStreams: number;
  /** Distinct classes held per classifier; a prediction or outcome with a class past it is dropped (`too_many`). */
  readonly maxClassesPerModel: number;
}

const ALL = 'all';
const KEY = ['modelName', 'timeframe', 'symbol'] as const;
const PREDICTION_FIELDS = new Set([...KEY, 'predictionId', 'predicted', 'probability', 'positiveClass', 'actual']);
const OUTCOME_FIELDS = new Set([...KEY, 'predictionId', 'actual']);
const STEP_FIELDS = new Set([...KEY, 'loss', 'memorySize']);
const FEATURE_FIELDS = new Set(['modelName', 'feature', 'value', 'timeframe', 'symbol']);
const FEATURE_REQUIRED = ['modelName', 'feature'] as const;
const FEATURE_OPTIONAL = ['timeframe', 'symbol'] as const;

/** ADWIN and Page-Hinkley on one stream, with the series they publish. */
class DriftPair {
  readonly adwin: Adwin | undefined;
  readonly pageHinkley: PageHinkley | undefined;
  /** Values seen; no score is published before the first. */
  updates = 0;
  private readonly events: () => [CounterSeries | undefined, CounterSeries | undefined];
  private eventSeries: [CounterSeries | undefined, CounterSeries | undefined] | undefined;

  constructor(settings: PredictionSettings, events: () => [CounterSeries | undefined, CounterSeries | undefined]) {
    this.adwin = settings.adwin === false ? undefined : new Adwin(settings.adwin);
    this.pageHinkley = settings.pageHinkley === false ? undefined : new PageHinkley(settings.pageHinkley);
    this.events = events;
  }

  saveState(): DriftPairState {
    return {
      updates: this.updates,
      adwin: this.adwin?.saveState() ?? null,
      pageHinkley: this.pageHinkley?.saveState() ?? null,
    };
  }

  /** A detector turned off since the save is ignored; one turned on starts fresh. */
  loadState(saved: unknown, where: string): void {
    const state = new StateReader(saved, where);
    const updates = state.integer('updates');
    if (this.adwin !== undefined && state.has('adwin')) this.adwin.loadState(state.get('adwin'));
    if (this.pageHinkley !== undefined && state.has('pageHinkley'))
      this.pageHinkley.loadState(state.get('pageHinkley'));
    this.updates = updates;
  }

  update(x: number): void {
    this.updates++;
    const a = this.adwin?.update(x) === true;
    const p = this.pageHinkley?.update(x) === true;
    if (a || p) {
      const [adwinEvents, phEvents] = (this.eventSeries ??= this.events());
      if (a && adwinEvents !== undefined) adwinEvents.value++;
      if (p && phEvents !== undefined) phEvents.value++;
    }
  }
}

/** Everything computed for one model, timeframe and symbol. */
class ModelState {
  readonly key: readonly [string, string, string];
  /** The model's part of its pending predictions' keys: the three label values, each prefixed by its length, so no two models share one. */
  readonly pendingPrefix: string;
  readonly predictions: CounterSeries;
  kind: 'classification' | 'regression' | undefined;
  classification: RollingClassification | undefined;
  calibration: RollingCalibration | undefined;
  regression: RollingRegression | undefined;
  readonly errors: DriftPair;
  readonly features = new Map<string, DriftPair>();
  pending = 0;
  /** Something changed since the last publication. */
  dirty = false;
  /** Its gauges were published once: a model that only counted predictions publishes none. */
  published = false;
  /** Its rolling window has been full once: from then on it is published every `modelMetricsInterval` only. */
  warm = false;
  correct: CounterSeries | undefined;
  incorrect: CounterSeries | undefined;
  scored: CounterSeries | undefined;
  /** Classes and bins published last time, so those gone from the window stop being published. */
  publishedClasses: GaugeSeries[] = [];
  publishedBins: GaugeSeries[] = [];

  constructor(key: readonly [string, string, string], predictions: CounterSeries, errors: DriftPair) {
    this.key = key;
    this.pendingPrefix = `${key[0].length}:${key[0]}${key[1].length}:${key[1]}${key[2].length}:${key[2]}`;
    this.predictions = predictions;
    this.errors = errors;
  }
}

/** Saved state of one drift pair. */
interface DriftPairState {
  readonly updates: number;
  readonly adwin: unknown;
  readonly pageHinkley: unknown;
}

/** Saved state of one model. */
interface ModelSavedState {
  readonly key: readonly string[];
  readonly kind: string | null;
  readonly pending: number;
  readonly classification: unknown;
  readonly calibration: unknown;
  readonly regression: unknown;
  readonly errors: DriftPairState;
  readonly features: [feature: string, state: DriftPairState][];
  /** Whether its gauges were published (or were about to be); absent in states of earlier releases: published. */
  readonly published?: boolean;
}

/** The saved state of `PredictionMetrics`: every model's analytics and the pending predictions. */
export interface PredictionsState {
  readonly models: ModelSavedState[];
  /**
   * Pending predictions, oldest first; each value is [model index, predicted, probability, positiveClass].
   * Ids are keys made by `pendingKey`; a key of another form (an older release's) never matches an
   * outcome again, so its prediction waits until it is evicted or expires, and is counted then.
   */
  readonly pending: unknown;
}

interface PendingEntry {
  readonly state: ModelState;
  readonly predicted: string | number;
  readonly probability: number | undefined;
  readonly positiveClass: string | undefined;
}

/** What a prediction's fields are, or why not: a class is a label value (the `class` label), or a number. */
function predictedProblem(value: unknown): InvalidReason | undefined {
  if (typeof value === 'string') return labelProblem(value);
  return numberProblem(value);
}

/**
 * The longest string `predictionId`, in UTF-16 code units: up to `maxPending` of them are held, so
 * a longer one is rejected as `too_long` (a UUID has 36).
 */
const MAX_ID_LENGTH = 256;

/**
 * Model quality computed from raw predictions and outcomes: rolling accuracy, precision, recall
 * and F1 (macro, and per class), RMSE and MAE, calibration (ECE and reliability bins), and drift
 * (ADWIN, Page-Hinkley) on each model's error stream and reported features. Every event is O(1);
 * the gauges are published every `modelMetricsInterval` and on `flush()`.
 */
export class PredictionMetrics {
  private readonly guard: InputGuard;
  private readonly settings: PredictionSettings;
  private readonly now: () => number;
  private readonly states: SeriesTable<ModelState | undefined>;
  private readonly pending: PendingPredictions<PendingEntry>;
  /** Features watched over all models (bounded by `maxFeatureStreams`). */
  private featureStreams = 0;
  private readonly t: {
    predictions: SeriesTable<CounterSeries>;
    outcomes: SeriesTable<CounterSeries>;
    pending: SeriesTable<GaugeSeries>;
    joinFailures: SeriesTable<CounterSeries>;
    accuracy: SeriesTable<GaugeSeries>;
    precision: SeriesTable<GaugeSeries>;
    recall: SeriesTable<GaugeSeries>;
    f1: SeriesTable<GaugeSeries>;
    classPrecision: SeriesTable<GaugeSeries>;
    classRecall: SeriesTable<GaugeSeries>;
    classF1: SeriesTable<GaugeSeries>;
    rmse: SeriesTable<GaugeSeries>;
    mae: SeriesTable<GaugeSeries>;
    ece: SeriesTable<GaugeSeries>;
    reliability: SeriesTable<GaugeSeries>;
    drift: SeriesTable<GaugeSeries>;
    driftScore: SeriesTable<GaugeSeries>;
    driftEvents: SeriesTable<CounterSeries>;
    steps: SeriesTable<CounterSeries>;
    loss: SeriesTable<GaugeSeries>;
    memory: SeriesTable<GaugeSeries>;
  };

  constructor(
    registry: InstrumentRegistry,
    guard: InputGuard,
    settings: PredictionSettings,
    shared: {
      accuracy: SeriesTable<GaugeSeries>;
      precision: SeriesTable<GaugeSeries>;
      recall: SeriesTable<GaugeSeries>;
      f1: SeriesTable<GaugeSeries>;
      rmse: SeriesTable<GaugeSeries>;
      mae: SeriesTable<GaugeSeries>;
      ece: SeriesTable<GaugeSeries>;
      reliability: SeriesTable<GaugeSeries>;
      drift: SeriesTable<GaugeSeries>;
      loss: SeriesTable<GaugeSeries>;
      memory: SeriesTable<GaugeSeries>;
    },
    now: () => number = Date.now,
  ) {
    this.guard = guard;
    this.settings = settings;
    this.now = now;
    this.t = {
      ...shared,
      predictions: registry.counter(METRICS.modelPredictions),
      outcomes: registry.counter(METRICS.modelOutcomes),
      pending: registry.gauge(METRICS.modelPending).table,
      joinFailures: registry.counter(METRICS.modelJoinFailures),
      classPrecision: registry.gauge(METRICS.modelClassPrecision).table,
      classRecall: registry.gauge(METRICS.modelClassRecall).table,
      classF1: registry.gauge(METRICS.modelClassF1Score).table,
      driftScore: registry.gauge(METRICS.modelDriftScore).table,
      driftEvents: registry.counter(METRICS.modelDriftEvents),
      steps: registry.counter(METRICS.modelLearningSteps),
    };
    const predictions = this.t.predictions;
    // The model states follow the predictions counter's series: past the cap a model gets no state and its predictions fold into the overflow series.
    this.states = new SeriesTable<ModelState | undefined>(
      METRICS.modelPredictions,
      Number.MAX_SAFE_INTEGER,
      (attributes) => {
        if (attributes === OVERFLOW_ATTRIBUTES) return undefined;
        if (this.restoring !== undefined) return this.restoring;
        const key = [attributes['model_name'], attributes['timeframe'], attributes['symbol']] as [
          string,
          string,
          string,
        ];
        const series = predictions.get3(...key);
        if (predictions.overflow === series) return undefined;
        const state: ModelState = new ModelState(
          key,
          series,
          new DriftPair(settings, () => this.eventSeries(key, 'error')),
        );
        return state;
      },
      () => {},
    );
    this.pending = new PendingPredictions<PendingEntry>(
      { maxPending: settings.maxPending, ttlMs: settings.outcomeTtlMs },
      (entry, reason) => this.dropped(entry, reason),
    );
    // While a model's window fills, its figures move fast (one outcome of three is a third of the
    // accuracy): they are published at every collection, from the first resolved prediction on, until
    // the window has been full once; then every modelMetricsInterval (or flushModelMetrics()).
    registry.onCollect(() => this.publishWarming());
  }

  /** Models with resolved predictions whose window has not been full yet: at most one entry per model. */
  private readonly warming = new Set<ModelState>();

  private announce(state: ModelState): void {
    if (!state.warm) this.warming.add(state);
  }

  private publishWarming(): void {
    if (this.warming.size === 0) return;
    const windowSize = this.settings.windowSize;
    for (const state of this.warming) {
      const resolved = state.classification?.size ?? state.regression?.rolling().count ?? 0;
      if (resolved >= windowSize) {
        state.warm = true;
        this.warming.delete(state);
      }
      // Strict mode re-throws a failure; a collection must not.
      this.publishDirty(state);
    }
  }

  /**
   * Publishes a model's gauges if they changed. A failure is counted (`internal_error` of
   * flushModelMetrics) and, in strict mode, returned as what the guard threw, for the caller to re-throw.
   */
  private publishDirty(state: ModelState): { error: unknown } | undefined {
    if (!state.dirty) return undefined;
    state.dirty = false;
    try {
      this.publish(state);
    } catch (error) {
      try {
        this.guard.fault('flushModelMetrics', error);
      } catch (thrown) {
        return { error: thrown };
      }
    }
    return undefined;
  }

  recordPrediction(given: Prediction): void {
    const M = 'recordPrediction';
    const p = this.keyRecord(M, given, PREDICTION_FIELDS) as Prediction | undefined;
    if (p === undefined) return;
    const { predictionId, predicted, probability, positiveClass, actual } = p;
    const predictedIssue = predictedProblem(predicted);
    if (predictedIssue !== undefined) return this.guard.reject(M, predictedIssue, 'predicted', predicted);
    if (predictionId !== undefined && !this.idValid(M, predictionId)) return;
    if (probability !== undefined) {
      const problem = numberProblem(probability, 0, 1);
      if (problem !== undefined) return this.guard.reject(M, problem, 'probability', probability);
      if (typeof predicted !== 'string')
        return this.guard.reject(M, 'wrong_type', 'probability (a regression prediction has none)', probability);
    }
    if (positiveClass !== undefined) {
      const problem = labelProblem(positiveClass);
      if (problem !== undefined) return this.guard.reject(M, problem, 'positiveClass', positiveClass);
      if (typeof predicted !== 'string')
        return this.guard.reject(M, 'wrong_type', 'positiveClass (a regression prediction has none)', positiveClass);
    }
    if (actual !== undefined && !this.actualValid(M, predicted, actual)) return;
    const state = this.state(p.modelName, p.timeframe, p.symbol, true);
    if (state === undefined) return;
    const kind = typeof predicted === 'string' ? 'classification' : 'regression';
    if (state.kind !== undefined && state.kind !== kind)
      return this.guard.reject(
        M,
        'wrong_type',
        `predicted (this model's predictions are ${state.kind === 'classification' ? 'classes' : 'numbers'})`,
        predicted,
      );
    // Only a prediction that is scored or waits for its outcome holds its classes.
    const held = actual !== undefined || predictionId !== undefined;
    if (typeof predicted === 'string' && held && !this.classesFit(state, predicted, actual as string | undefined))
      return this.guard.reject(
        M,
        'too_many',
        `predicted or actual (more than ${this.settings.maxClassesPerModel} classes of one model)`,
        predicted,
      );
    state.predictions.value++;
    if (actual !== undefined) {
      this.resolve(state, predicted, probability, positiveClass, actual);
    } else if (predictionId !== undefined) {
      state.kind ??= kind;
      const replaced = this.pending.replaced;
      this.pending.add(pendingKey(state, predictionId), { state, predicted, probability, positiveClass }, this.now());
      // A reused id replaces its pending prediction: still one waiting.
      if (this.pending.replaced === replaced) state.pending++;
      state.dirty = true;
    }
  }

  recordOutcome(given: Outcome): void {
    const M = 'recordOutcome';
    const o = this.keyRecord(M, given, OUTCOME_FIELDS) as Outcome | undefined;
    if (o === undefined) return;
    const { predictionId, actual } = o;
    if (!this.idValid(M, predictionId)) return;
    const actualIssue = predictedProblem(actual);
    if (actualIssue !== undefined) return this.guard.reject(M, actualIssue, 'actual', actual);
    const state = this.state(o.modelName, o.timeframe, o.symbol, false);
    if (state === undefined) return;
    // Checked before the take, so that a bad outcome leaves its prediction waiting for a good one.
    const expected = state.kind === 'classification' ? 'string' : state.kind === 'regression' ? 'number' : undefined;
    if (expected !== undefined && typeof actual !== expected) {
      return this.guard.reject(
        M,
        'wrong_type',
        `actual (this model's predictions are ${expected === 'string' ? 'classes' : 'numbers'})`,
        actual,
      );
    }
    const id = pendingKey(state, predictionId);
    const now = this.now();
    const waiting = this.pending.peek(id, now);
    // Checked before the take too: an outcome whose class cannot be held leaves its prediction waiting.
    if (
      waiting !== undefined &&
      typeof waiting.predicted === 'string' &&
      !this.classesFit(state, waiting.predicted, actual as string)
    )
      return this.guard.reject(
        M,
        'too_many',
        `actual (more than ${this.settings.maxClassesPerModel} classes of one model)`,
        actual,
      );
    this.expiredOnTake = false;
    const entry = this.pending.take(id, now);
    if (entry === undefined) {
      if (!this.expiredOnTake) this.joinFailure(state, 'unknown_id');
      return;
    }
    state.pending--;
    this.resolve(state, entry.predicted, entry.probability, entry.positiveClass, actual);
  }

  recordLearningStep(given: LearningStep): void {
    const M = 'recordLearningStep';
    const step = this.keyRecord(M, given, STEP_FIELDS) as LearningStep | undefined;
    if (step === undefined) return;
    const { loss, memorySize } = step;
    const lossProblem = numberProblem(loss);
    if (lossProblem !== undefined) return this.guard.reject(M, lossProblem, 'loss', loss);
    if (memorySize !== undefined) {
      const p = numberProblem(memorySize, 0);
      if (p !== undefined) return this.guard.reject(M, p, 'memorySize', memorySize);
    }
    const { modelName: m, timeframe: tf, symbol: s } = step;
    this.t.steps.get3(m, tf, s).value++;
    this.t.loss.get3(m, tf, s).value = loss;
    if (memorySize !== undefined) this.t.memory.get3(m, tf, s).value = memorySize;
  }

  recordFeature(given: FeatureValue): void {
    const M = 'recordFeature';
    // Read once into a copy: what is checked is what is recorded.
    const f = this.guard.read(M, 'feature', given, FEATURE_FIELDS, 'not_object');
    if (f === undefined) return;
    for (const field of FEATURE_REQUIRED) {
      const p = labelProblem(f[field]);
      if (p !== undefined) return this.guard.reject(M, p, field, f[field]);
    }
    for (const field of FEATURE_OPTIONAL) {
      if (f[field] === undefined) continue;
      const p = labelProblem(f[field]);
      if (p !== undefined) return this.guard.reject(M, p, field, f[field]);
    }
    const p = numberProblem(f['value']);
    if (p !== undefined) return this.guard.reject(M, p, 'value', f['value']);
    const state = this.state(
      f['modelName'] as string,
      (f['timeframe'] as string | undefined) ?? ALL,
      (f['symbol'] as string | undefined) ?? ALL,
      false,
    );
    if (state === undefined) return;
    const feature = f['feature'] as string;
    let pair = state.features.get(feature);
    if (pair === undefined) {
      if (state.features.size >= this.settings.maxFeatures)
        return this.guard.reject(
          M,
          'too_many',
          `feature (more than ${this.settings.maxFeatures} features of one model)`,
          feature,
        );
      if (this.featureStreams >= this.settings.maxFeatureStreams)
        return this.guard.reject(
          M,
          'too_many',
          `feature (more than ${this.settings.maxFeatureStreams} features over all models, maxFeatureStreams)`,
          feature,
        );
      const source = `feature:${feature}`;
      pair = new DriftPair(this.settings, () => this.eventSeries(state.key, source));
      state.features.set(feature, pair);
      this.featureStreams++;
    }
    pair.update(f['value'] as number);
    state.dirty = true;
  }

  /** Every model's analytics and the pending predictions, as plain JSON data. */
  saveState(): PredictionsState {
    const models: ModelSavedState[] = [];
    const index = new Map<ModelState, number>();
    for (const state of this.states.series) {
      if (state === undefined) continue;
      index.set(state, models.length);
      models.push({
        key: [...state.key],
        kind: state.kind ?? null,
        pending: state.pending,
        classification: state.classification?.saveState() ?? null,
        calibration: state.calibration?.saveState() ?? null,
        regression: state.regression?.saveState() ?? null,
        errors: state.errors.saveState(),
        features: [...state.features].map(([feature, pair]) => [feature, pair.saveState()]),
        published: state.published || state.dirty,
      });
    }
    const pending = this.pending.saveState((entry) => [
      index.get(entry.state),
      entry.predicted,
      entry.probability ?? null,
      entry.positiveClass ?? null,
    ]);
    return { models, pending };
  }

  /**
   * Restores a saved state into this new instance: every model is checked and built aside first,
   * then the pending predictions (with their original times, so `outcomeTtlSeconds` still counts
   * from the prediction), and only then are the models put in place. Throws StateMismatchError.
   */
  restoreState(saved: unknown): string {
    const state = new StateReader(saved, 'predictions');
    const list = state.array('models');
    const windowSize = this.settings.windowSize;
    const prepared: ModelState[] = [];
    for (let i = 0; i < list.length; i++) {
      const m = state.item(list, 'models', i);
      const where = `predictions.models[${i}]`;
      const key = m.array('key');
      if (key.length !== 3 || !key.every((v) => typeof v === 'string' && v.length > 0))
        throw new StateMismatchError(`${where}.key is not [model, timeframe, symbol]`);
      const k = key as [string, string, string];
      const kind = m.has('kind') ? m.string('kind') : undefined;
      if (kind !== undefined && kind !== 'classification' && kind !== 'regression')
        throw new StateMismatchError(`${where}.kind is ${kind}`);
      const model = new ModelState(
        k,
        this.t.predictions.get3(...k),
        new DriftPair(this.settings, () => this.eventSeries(k, 'error')),
      );
      model.kind = kind;
      model.pending = m.integer('pending');
      if (m.has('classification')) {
        model.classification = new RollingClassification(windowSize, this.settings.maxClassesPerModel);
        model.classification.loadState(m.get('classification'));
      }
      if (m.has('calibration')) {
        model.calibration = new RollingCalibration(windowSize, this.settings.calibrationBins);
        model.calibration.loadState(m.get('calibration'));
      }
      if (m.has('regression')) {
        model.regression = new RollingRegression(windowSize);
        model.regression.loadState(m.get('regression'));
      }
      model.errors.loadState(m.get('errors'), `${where}.errors`);
      const features = m.array('features');
      for (let f = 0; f < features.length; f++) {
        const entry = features[f];
        if (!Array.isArray(entry) || typeof entry[0] !== 'string')
          throw new StateMismatchError(`${where}.features[${f}] is not a [feature, state] pair`);
        const source = `feature:${entry[0]}`;
        const pair = new DriftPair(this.settings, () => this.eventSeries(k, source));
        pair.loadState(entry[1], `${where}.features[${f}]`);
        model.features.set(entry[0], pair);
      }
      // Published again at the next collection, if it was before the restart (and only then, as the run before would).
      model.dirty = m.has('published') ? m.boolean('published') : true;
      prepared.push(model);
    }
    this.pending.loadState(state.get('pending'), (value) => {
      if (!Array.isArray(value) || value.length !== 4)
        throw new StateMismatchError('a pending prediction is not [model, predicted, probability, positiveClass]');
      const [at, predicted, probability, positiveClass] = value as unknown[];
      const model = typeof at === 'number' ? prepared[at] : undefined;
      if (model === undefined) throw new StateMismatchError(`a pending prediction names model ${String(at)}`);
      if (typeof predicted !== 'string' && typeof predicted !== 'number')
        throw new StateMismatchError('a pending prediction has no predicted value');
      if (probability !== null && typeof probability !== 'number')
        throw new StateMismatchError('a pending prediction has a probability that is not a number');
      if (positiveClass !== null && typeof positiveClass !== 'string')
        throw new StateMismatchError('a pending prediction has a positive class that is not a string');
      return {
        state: model,
        predicted,
        probability: probability ?? undefined,
        positiveClass: positiveClass ?? undefined,
      };
    });
    for (const model of prepared) {
      this.featureStreams += model.features.size;
      this.restoring = model;
      this.states.get3(...model.key);
      this.restoring = undefined;
      model.publishedClasses = seriesOfModel(model.key, [this.t.classPrecision, this.t.classRecall, this.t.classF1]);
      model.publishedBins = seriesOfModel(model.key, [this.t.reliability]);
      this.announce(model);
    }
    return `${prepared.length} models, ${this.pending.size} pending predictions`;
  }

  /** A model state built by `restoreState`, handed to the states table when it creates that model's entry. */
  private restoring: ModelState | undefined;

  /**
   * Publishes the computed gauges of every model that changed; expires old pending predictions first.
   * A model whose publication fails is counted (`internal_error` of flushModelMetrics) and the others
   * are published all the same; in strict mode the first failure is re-thrown after them.
   */
  flush(): void {
    this.pending.expire(this.now());
    let strictFailure: { error: unknown } | undefined;
    for (const state of this.states.series) {
      if (state === undefined) continue;
      const failure = this.publishDirty(state);
      strictFailure ??= failure;
    }
    if (strictFailure !== undefined) throw strictFailure.error;
  }

  private expiredOnTake = false;

  private publish(state: ModelState): void {
    const key = state.key;
    const t = this.t;
    state.published = true;
    t.pending.get3(...key).value = state.pending;
    if (state.classification !== undefined && state.classification.size > 0) {
      const report = state.classification.rolling();
      set(t.accuracy.get3(...key), report.accuracy);
      set(t.precision.get3(...key), report.macro.precision);
      set(t.recall.get3(...key), report.macro.recall);
      set(t.f1.get3(...key), report.macro.f1);
      for (const s of state.publishedClasses) s.value = Number.NaN;
      const published: GaugeSeries[] = [];
      for (const cls in report.classes) {
        const c = report.classes[cls]!;
        const series = [
          t.classPrecision.get4(...key, cls),
          t.classRecall.get4(...key, cls),
          t.classF1.get4(...key, cls),
        ] as const;
        set(series[0], c.precision);
        set(series[1], c.recall);
        set(series[2], c.f1);
        published.push(...series);
      }
      state.publishedClasses = published;
    }
    if (state.calibration !== undefined && state.calibration.size > 0) {
      const summary = state.calibration.rolling();
      set(t.ece.get3(...key), summary.ece);
      for (const s of state.publishedBins) s.value = Number.NaN;
      state.publishedBins = summary.curve.bins.map((bin) => {
        const s = t.reliability.get4(...key, bin.label);
        s.value = bin.observedFrequency;
        return s;
      });
    }
    if (state.regression !== undefined) {
      const r = state.regression.rolling();
      if (r.count > 0) {
        set(t.rmse.get3(...key), r.rmse);
        set(t.mae.get3(...key), r.mae);
      }
    }
    let drift = this.publishDrift(state, state.errors, 'error');
    for (const [feature, pair] of state.features)
      drift = Math.max(drift, this.publishDrift(state, pair, `feature:${feature}`));
    if (drift >= 0) t.drift.get3(...key).value = drift;
  }

  /** Publishes the scores of a pair and returns the larger (-1 when neither detector runs). */
  private publishDrift(state: ModelState, pair: DriftPair, source: string): number {
    let max = -1;
    if (pair.updates === 0) return max;
    if (pair.adwin !== undefined) {
      const score = pair.adwin.score;
      this.t.driftScore.get5(...state.key, 'adwin', source).value = score;
      max = Math.max(max, score);
    }
    if (pair.pageHinkley !== undefined) {
      const score = pair.pageHinkley.score;
      this.t.driftScore.get5(...state.key, 'page_hinkley', source).value = score;
      max = Math.max(max, score);
    }
    return max;
  }

  private resolve(
    state: ModelState,
    predicted: string | number,
    probability: number | undefined,
    positiveClass: string | undefined,
    actual: string | number,
  ): void {
    const windowSize = this.settings.windowSize;
    state.dirty = true;
    this.announce(state);
    if (typeof predicted === 'string') {
      state.kind ??= 'classification';
      const truth = actual as string;
      const correct = predicted === truth;
      // classesFit was checked when the prediction or its outcome came in.
      (state.classification ??= new RollingClassification(windowSize, this.settings.maxClassesPerModel)).add(
        predicted,
        truth,
      );
      if (correct) (state.correct ??= this.t.outcomes.get4(...state.key, 'correct')).value++;
      else (state.incorrect ??= this.t.outcomes.get4(...state.key, 'incorrect')).value++;
      if (probability !== undefined) {
        const label = positiveClass === undefined ? correct : truth === positiveClass;
        (state.calibration ??= new RollingCalibration(windowSize, this.settings.calibrationBins)).add(
          probability,
          label,
        );
      }
      state.errors.update(correct ? 0 : 1);
    } else {
      state.kind ??= 'regression';
      (state.regression ??= new RollingRegression(windowSize)).add(predicted, actual as number);
      (state.scored ??= this.t.outcomes.get4(...state.key, 'scored')).value++;
      state.errors.update(Math.abs(predicted - (actual as number)));
    }
  }

  private dropped(entry: PendingEntry, reason: DropReason): void {
    entry.state.pending--;
    entry.state.dirty = true;
    if (reason === 'expired') this.expiredOnTake = true;
    this.joinFailure(entry.state, reason);
  }

  private joinFailure(state: ModelState, reason: DropReason | 'unknown_id'): void {
    this.t.joinFailures.get4(...state.key, reason).value++;
  }

  private eventSeries(
    key: readonly [string, string, string],
    source: string,
  ): [CounterSeries | undefined, CounterSeries | undefined] {
    return [
      this.settings.adwin === false ? undefined : this.t.driftEvents.get5(...key, 'adwin', source),
      this.settings.pageHinkley === false ? undefined : this.t.driftEvents.get5(...key, 'page_hinkley', source),
    ];
  }

  /**
   * The state of a model, or undefined past the series cap: then nothing is analysed, the call counts
   * once in monitoring_series_overflow_total and, for a prediction, in the overflow series. Looked up
   * through the predictions counter first so that a model past the cap leaves nothing behind.
   */
  private state(modelName: string, timeframe: string, symbol: string, prediction: boolean): ModelState | undefined {
    const predictions = this.t.predictions.get3(modelName, timeframe, symbol);
    if (predictions === this.t.predictions.overflow) {
      if (prediction) predictions.value++;
      return undefined;
    }
    return this.states.get3(modelName, timeframe, symbol);
  }

  /** Whether the model's classifier can hold the classes of this prediction (and of its outcome, when given). */
  private classesFit(state: ModelState, predicted: string, actual: string | undefined): boolean {
    const classification = state.classification;
    if (classification !== undefined) return classification.accepts(predicted, actual ?? predicted);
    return (actual === undefined || actual === predicted ? 1 : 2) <= this.settings.maxClassesPerModel;
  }

  /** The argument read once into a copy (`InputGuard.read`) with its model key checked, else undefined after rejecting it. */
  private keyRecord(method: string, value: unknown, allowed: ReadonlySet<string>): Record<string, unknown> | undefined {
    const record = this.guard.read(method, 'update', value, allowed, 'not_object');
    if (record === undefined) return undefined;
    for (const field of KEY) {
      const p = labelProblem(record[field]);
      if (p !== undefined) return this.guard.reject(method, p, field, record[field]);
    }
    return record;
  }

  private idValid(method: string, id: unknown): boolean {
    if (typeof id === 'string') {
      if (id.length === 0) return this.guard.reject(method, 'empty_string', 'predictionId', id) ?? false;
      if (id.length > MAX_ID_LENGTH) return this.guard.reject(method, 'too_long', 'predictionId', id) ?? false;
      return true;
    }
    if (typeof id === 'number' && Number.isFinite(id)) return true;
    return (
      this.guard.reject(
        method,
        id === undefined ? 'missing_field' : typeof id === 'number' ? 'not_finite' : 'wrong_type',
        'predictionId',
        id,
      ) ?? false
    );
  }

  private actualValid(method: string, predicted: string | number, actual: unknown): boolean {
    if (typeof predicted === 'string') {
      const p = labelProblem(actual);
      return p === undefined || (this.guard.reject(method, p, 'actual', actual) ?? false);
    }
    const p = numberProblem(actual);
    return p === undefined || (this.guard.reject(method, p, 'actual', actual) ?? false);
  }
}

/** The series of `tables` that belong to one model (a restore finds what was published before). */
function seriesOfModel(key: readonly string[], tables: readonly SeriesTable<GaugeSeries>[]): GaugeSeries[] {
  const out: GaugeSeries[] = [];
  for (const table of tables) {
    for (const s of table.series) {
      const a = s.attributes;
      if (a['model_name'] === key[0] && a['timeframe'] === key[1] && a['symbol'] === key[2]) out.push(s);
    }
  }
  return out;
}

/**
 * The key of a pending prediction: the model's length-prefixed labels, then the id tagged by its
 * type. Distinct (model, timeframe, symbol, id) never share a key, whatever characters the labels
 * hold, and the number 1 and the string '1' are two ids.
 */
function pendingKey(state: ModelState, id: string | number): string {
  return `${state.pendingPrefix}${typeof id === 'string' ? 's' : 'n'}${id}`;
}

function set(series: GaugeSeries, value: number | undefined): void {
  series.value = value ?? Number.NaN;
}
