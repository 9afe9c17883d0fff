import { reportFromCounts, type ClassificationReport } from './classification.ts';
import { readState, StateMismatchError, StateReader } from '../state.ts';

/** The saved state of a `RollingClassification`, from `saveState` (plain JSON data). */
export interface RollingClassificationState {
  /** Setting: capacity of the window. */
  readonly windowSize: number;
  /** Every label seen, in order of first appearance (a label's index is its id below). */
  readonly labels: string[];
  /** Label ids of the predictions in the window, oldest first. */
  readonly windowPredicted: number[];
  /** Label ids of the outcomes in the window, oldest first (as long as `windowPredicted`). */
  readonly windowActual: number[];
  /** Resolved predictions ever added. */
  readonly total: number;
  /** Correct predictions ever added. */
  readonly correct: number;
  /** Per label id: correct predictions of the label. */
  readonly tp: number[];
  /** Per label id: times predicted. */
  readonly predicted: number[];
  /** Per label id: times it was the outcome. */
  readonly actual: number[];
}

/**
 * Classification report over the last `windowSize` resolved predictions and over the lifetime,
 * maintained in O(1) per `add`: labels are interned to small integers, the window is a ring buffer
 * of (predicted, actual) ids, and per-class counts (true positives, times predicted, times actual)
 * are incremented on insert and decremented on evict. A report costs O(classes · log classes).
 * Memory: O(windowSize) plus O(distinct labels ever seen), which `maxClasses` bounds: a pair that
 * would bring a label past it is refused whole (`add` returns false), so every figure, window and
 * lifetime, stays exact over the pairs added.
 */
export class RollingClassification {
  /** Capacity of the window. */
  readonly windowSize: number;
  /** Most distinct labels held; a pair with a label past it is refused. */
  readonly maxClasses: number;

  readonly #ids = new Map<string, number>();
  #names: string[] = [];
  readonly #ringPredicted: Int32Array;
  readonly #ringActual: Int32Array;
  #head = 0;
  #size = 0;
  #total = 0;
  #windowCorrect = 0;
  #lifetimeCorrect = 0;
  // Per-class counts indexed by label id; grown as labels appear.
  #wTp: number[] = [];
  #wPred: number[] = [];
  #wAct: number[] = [];
  #lTp: number[] = [];
  #lPred: number[] = [];
  #lAct: number[] = [];

  /**
   * @param windowSize capacity of the window (default 500); throws a RangeError unless an integer >= 1
   * @param maxClasses most distinct labels held (default: no bound); throws a RangeError unless an integer >= 1 or Infinity
   */
  constructor(windowSize = 500, maxClasses = Infinity) {
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new RangeError(`windowSize must be an integer >= 1, got ${windowSize}`);
    if (maxClasses !== Infinity && (!Number.isInteger(maxClasses) || maxClasses < 1))
      throw new RangeError(`maxClasses must be an integer >= 1 or Infinity, got ${maxClasses}`);
    this.windowSize = windowSize;
    this.maxClasses = maxClasses;
    this.#ringPredicted = new Int32Array(windowSize);
    this.#ringActual = new Int32Array(windowSize);
  }

  /** Resolved predictions in the window. */
  get size(): number {
    return this.#size;
  }

  /** Resolved predictions ever added. */
  get total(): number {
    return this.#total;
  }

  /** Distinct labels held (every label ever added, in the window or not). */
  get classCount(): number {
    return this.#names.length;
  }

  /** Whether `add(predicted, actual)` would be taken: false when it would bring the labels held past `maxClasses`. */
  accepts(predicted: string, actual: string): boolean {
    const room = this.maxClasses - this.#names.length;
    if (room >= 2) return true;
    const fresh = (this.#ids.has(predicted) ? 0 : 1) + (actual === predicted || this.#ids.has(actual) ? 0 : 1);
    return fresh === 0 || fresh <= room;
  }

  /**
   * Records one resolved prediction. Returns false, changing nothing, when that would bring the
   * labels held past `maxClasses`.
   */
  add(predicted: string, actual: string): boolean {
    if (!this.accepts(predicted, actual)) return false;
    const p = this.#id(predicted);
    const a = this.#id(actual);
    if (this.#size === this.windowSize) {
      const op = this.#ringPredicted[this.#head]!;
      const oa = this.#ringActual[this.#head]!;
      this.#wPred[op]!--;
      this.#wAct[oa]!--;
      if (op === oa) {
        this.#wTp[op]!--;
        this.#windowCorrect--;
      }
    } else {
      this.#size++;
    }
    this.#ringPredicted[this.#head] = p;
    this.#ringActual[this.#head] = a;
    this.#head = this.#head + 1 === this.windowSize ? 0 : this.#head + 1;
    this.#wPred[p]!++;
    this.#wAct[a]!++;
    this.#lPred[p]!++;
    this.#lAct[a]!++;
    if (p === a) {
      this.#wTp[p]!++;
      this.#lTp[p]!++;
      this.#windowCorrect++;
      this.#lifetimeCorrect++;
    }
    this.#total++;
    return true;
  }

  /** Report over the window; classes are those seen in the window unless `classes` is given. */
  rolling(classes?: readonly string[]): ClassificationReport {
    return this.#report(this.#wTp, this.#wPred, this.#wAct, this.#windowCorrect, this.#size, classes);
  }

  /** Report over every prediction added; classes are those ever seen unless `classes` is given. */
  lifetime(classes?: readonly string[]): ClassificationReport {
    return this.#report(this.#lTp, this.#lPred, this.#lAct, this.#lifetimeCorrect, this.#total, classes);
  }

  /** The complete state as plain JSON data, the window size included, for `loadState` after a restart. */
  saveState(): RollingClassificationState {
    const windowPredicted = new Array<number>(this.#size);
    const windowActual = new Array<number>(this.#size);
    // The oldest entry sits at head once the window is full, at 0 before.
    let at = this.#size === this.windowSize ? this.#head : 0;
    for (let i = 0; i < this.#size; i++) {
      windowPredicted[i] = this.#ringPredicted[at]!;
      windowActual[i] = this.#ringActual[at]!;
      if (++at === this.windowSize) at = 0;
    }
    return {
      windowSize: this.windowSize,
      labels: [...this.#names],
      windowPredicted,
      windowActual,
      total: this.#total,
      correct: this.#lifetimeCorrect,
      tp: [...this.#lTp],
      predicted: [...this.#lPred],
      actual: [...this.#lAct],
    };
  }

  /**
   * Replaces the state with one from `saveState`: checks it all first and throws
   * `StateMismatchError` (changing nothing) when it does not fit. The window size may differ:
   * the lifetime figures are restored exactly and the window is rebuilt from the newest saved
   * entries that fit, as if this instance had been fed them. So may `maxClasses`: a state with
   * more labels than it is loaded whole (its lifetime figures need them all), and no new label is
   * taken after it.
   */
  loadState(state: unknown): void {
    const where = 'RollingClassification';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      const savedWindow = r.integer('windowSize', 1);
      const labels = r.array('labels');
      const ids = new Map<string, number>();
      for (let i = 0; i < labels.length; i++) {
        const label = labels[i];
        if (typeof label !== 'string') throw new StateMismatchError(`${r.at('labels')}[${i}] is not a string`);
        if (ids.has(label)) throw new StateMismatchError(`${r.at('labels')}[${i}] repeats ${JSON.stringify(label)}`);
        ids.set(label, i);
      }
      const k = labels.length;
      const predicted = r.integers('windowPredicted');
      const actual = r.integers('windowActual', predicted.length);
      if (predicted.length > savedWindow)
        throw new StateMismatchError(`${r.at('windowPredicted')} has more entries than the saved windowSize`);
      for (let i = 0; i < predicted.length; i++) {
        if (predicted[i]! >= k) throw new StateMismatchError(`${r.at('windowPredicted')}[${i}] is not a label id`);
        if (actual[i]! >= k) throw new StateMismatchError(`${r.at('windowActual')}[${i}] is not a label id`);
      }
      const total = r.integer('total');
      const correct = r.integerIn('correct', 0, total);
      const tp = r.integers('tp', k);
      const lPred = r.integers('predicted', k);
      const lAct = r.integers('actual', k);
      const sum = (list: number[]): number => list.reduce((a, b) => a + b, 0);
      if (sum(lPred) !== total || sum(lAct) !== total || sum(tp) !== correct || predicted.length > total)
        throw new StateMismatchError(`${where}: the lifetime counts do not add up to total and correct`);
      // The newest entries that fit this window, with their counts: as if this instance had just been fed them.
      const from = Math.max(0, predicted.length - this.windowSize);
      const wTp = new Array<number>(k).fill(0);
      const wPred = new Array<number>(k).fill(0);
      const wAct = new Array<number>(k).fill(0);
      let windowCorrect = 0;
      for (let i = from; i < predicted.length; i++) {
        const p = predicted[i]!;
        const a = actual[i]!;
        wPred[p]!++;
        wAct[a]!++;
        if (p === a) {
          wTp[p]!++;
          windowCorrect++;
        }
      }
      for (let id = 0; id < k; id++) {
        if (wTp[id]! > tp[id]! || wPred[id]! > lPred[id]! || wAct[id]! > lAct[id]!)
          throw new StateMismatchError(
            `${where}: the window counts of ${JSON.stringify(labels[id])} exceed its lifetime counts`,
          );
      }
      return {
        labels: labels as string[],
        ids,
        predicted: predicted.slice(from),
        actual: actual.slice(from),
        total,
        correct,
        tp,
        lPred,
        lAct,
        wTp,
        wPred,
        wAct,
        windowCorrect,
      };
    });
    this.#ids.clear();
    for (const [label, id] of s.ids) this.#ids.set(label, id);
    this.#names = s.labels.slice();
    this.#total = s.total;
    this.#lifetimeCorrect = s.correct;
    this.#lTp = s.tp;
    this.#lPred = s.lPred;
    this.#lAct = s.lAct;
    this.#wTp = s.wTp;
    this.#wPred = s.wPred;
    this.#wAct = s.wAct;
    this.#windowCorrect = s.windowCorrect;
    // Oldest first from slot 0, as in an instance fed only these.
    this.#ringPredicted.set(s.predicted);
    this.#ringActual.set(s.actual);
    this.#size = s.predicted.length;
    this.#head = this.#size === this.windowSize ? 0 : this.#size;
  }

  #report(
    tp: readonly number[],
    pred: readonly number[],
    act: readonly number[],
    correct: number,
    total: number,
    classes: readonly string[] | undefined,
  ): ClassificationReport {
    const present = classes ?? this.#names.filter((_, id) => pred[id]! > 0 || act[id]! > 0).sort();
    return reportFromCounts(
      present,
      (cls) => {
        const id = this.#ids.get(cls);
        return id === undefined ? undefined : { tp: tp[id]!, predicted: pred[id]!, actual: act[id]! };
      },
      correct,
      total,
    );
  }

  #id(label: string): number {
    let id = this.#ids.get(label);
    if (id === undefined) {
      id = this.#names.length;
      this.#ids.set(label, id);
      this.#names.push(label);
      this.#wTp.push(0);
      this.#wPred.push(0);
      this.#wAct.push(0);
      this.#lTp.push(0);
      this.#lPred.push(0);
      this.#lAct.push(0);
    }
    return id;
  }
}
