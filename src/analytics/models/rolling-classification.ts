import { reportFromCounts, type ClassificationReport } from './classification.ts';

/**
 * Classification report over the last `windowSize` resolved predictions and over the lifetime,
 * maintained in O(1) per `add`: labels are interned to small integers, the window is a ring buffer
 * of (predicted, actual) ids, and per-class counts (true positives, times predicted, times actual)
 * are incremented on insert and decremented on evict. A report costs O(classes · log classes).
 * Memory: O(windowSize) plus O(distinct labels ever seen).
 */
export class RollingClassification {
  /** Capacity of the window. */
  readonly windowSize: number;

  readonly #ids = new Map<string, number>();
  readonly #names: string[] = [];
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

  constructor(windowSize = 500) {
    if (!Number.isInteger(windowSize) || windowSize < 1)
      throw new RangeError(`windowSize must be an integer >= 1, got ${windowSize}`);
    this.windowSize = windowSize;
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

  /** Records one resolved prediction. */
  add(predicted: string, actual: string): void {
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
  }

  /** Report over the window; classes are those seen in the window unless `classes` is given. */
  rolling(classes?: readonly string[]): ClassificationReport {
    return this.#report(this.#wTp, this.#wPred, this.#wAct, this.#windowCorrect, this.#size, classes);
  }

  /** Report over every prediction added; classes are those ever seen unless `classes` is given. */
  lifetime(classes?: readonly string[]): ClassificationReport {
    return this.#report(this.#lTp, this.#lPred, this.#lAct, this.#lifetimeCorrect, this.#total, classes);
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
