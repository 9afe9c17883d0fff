/** Options of `PendingPredictions`. */
export interface PendingPredictionsOptions {
  /** Most predictions held at once; adding one more evicts the oldest. Default 10000. */
  readonly maxPending?: number;
  /** A prediction older than this (ms since it was added) is dropped. Default: never. */
  readonly ttlMs?: number;
}

/** Why a pending prediction was dropped without its outcome. */
export type DropReason = 'evicted' | 'expired';

/**
 * Predictions waiting for their outcome, keyed by id, bounded in count and age. A Map iterates in
 * insertion order, so its first key is always the oldest entry: eviction when full and expiry are
 * O(1) per dropped entry, and `add` / `take` are O(1).
 *
 * A duplicate id replaces the pending value and restarts its age (it moves to the newest end); the
 * replacement is counted in `replaced`, so a producer reusing ids shows up on a dashboard.
 */
export class PendingPredictions<T, K = string> {
  /** Defaults of the options. */
  static readonly DEFAULT_OPTIONS = Object.freeze({ maxPending: 10_000, ttlMs: Infinity });

  readonly #maxPending: number;
  readonly #ttlMs: number;
  readonly #entries = new Map<K, { value: T; at: number }>();
  #evicted = 0;
  #expired = 0;
  #replaced = 0;

  readonly #onDrop: ((value: T, reason: DropReason) => void) | undefined;

  /** @param onDrop told of every prediction evicted or expired, so the caller can attribute it (to its model). */
  constructor(options: PendingPredictionsOptions = {}, onDrop?: (value: T, reason: DropReason) => void) {
    this.#onDrop = onDrop;
    const maxPending = options.maxPending ?? PendingPredictions.DEFAULT_OPTIONS.maxPending;
    const ttlMs = options.ttlMs ?? PendingPredictions.DEFAULT_OPTIONS.ttlMs;
    if (!Number.isInteger(maxPending) || maxPending < 1)
      throw new RangeError(`maxPending must be an integer >= 1, got ${maxPending}`);
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
    this.#maxPending = maxPending;
    this.#ttlMs = ttlMs;
  }

  /** Predictions currently pending. */
  get size(): number {
    return this.#entries.size;
  }

  /** Predictions dropped because the buffer was full. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Predictions dropped because they outlived `ttlMs`. */
  get expired(): number {
    return this.#expired;
  }

  /** Adds that replaced a pending prediction with the same id. */
  get replaced(): number {
    return this.#replaced;
  }

  /** Holds `value` under `id` until taken; evicts the oldest entry when full. */
  add(id: K, value: T, nowMs: number): void {
    if (this.#entries.delete(id)) {
      this.#replaced++;
    } else if (this.#entries.size >= this.#maxPending) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) {
        const dropped = this.#entries.get(oldest.value);
        this.#entries.delete(oldest.value);
        this.#evicted++;
        if (dropped !== undefined) this.#onDrop?.(dropped.value, 'evicted');
      }
    }
    this.#entries.set(id, { value, at: nowMs });
  }

  /** Removes and returns the value under `id`; undefined when absent or expired (an expired one is counted). */
  take(id: K, nowMs: number): T | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    if (nowMs - entry.at > this.#ttlMs) {
      this.#expired++;
      this.#onDrop?.(entry.value, 'expired');
      return undefined;
    }
    return entry.value;
  }

  /** Drops every entry older than `ttlMs` at `nowMs`; returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    // Oldest first: the first entry still within its time-to-live ends the scan.
    for (const [id, entry] of this.#entries) {
      if (nowMs - entry.at <= this.#ttlMs) break;
      this.#entries.delete(id);
      dropped++;
      this.#onDrop?.(entry.value, 'expired');
    }
    this.#expired += dropped;
    return dropped;
  }
}
