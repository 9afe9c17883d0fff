import { readState, saveNumber, StateMismatchError, StateReader, type SavedNumber } from '../state.ts';

/** One pending prediction in a `PendingPredictionsState`. */
export interface PendingEntryState {
  /** Its id (only string and number ids can be saved). */
  readonly id: string | number;
  /** When it was added (ms), from which its age and expiry follow. */
  readonly at: SavedNumber;
  /** Its value, as the `encode` given to `saveState` returned it. */
  readonly value: unknown;
}

/** The saved state of a `PendingPredictions`, from `saveState` (plain JSON data if `encode` returns such). */
export interface PendingPredictionsState {
  /** The pending predictions, oldest first (the order eviction and expiry go by). */
  readonly entries: PendingEntryState[];
  /** Predictions dropped because the buffer was full. */
  readonly evicted: number;
  /** Predictions dropped because they outlived `ttlMs`. */
  readonly expired: number;
  /** Adds that replaced a pending prediction with the same id. */
  readonly replaced: number;
}

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

  /**
   * The complete state as JSON-ready data, for `loadState` after a restart: the entries oldest
   * first with the time each was added, and the counters. The options are not saved: a restarted
   * process may use another `maxPending` or `ttlMs` (see `loadState`).
   * @param encode turns a value into JSON data (it is called once per entry, oldest first)
   * @throws TypeError when an id is not a string or a finite number, which JSON could not hold as such
   */
  saveState(encode: (value: T) => unknown): PendingPredictionsState {
    const entries: PendingEntryState[] = [];
    for (const [id, entry] of this.#entries) {
      if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
        throw new TypeError(`PendingPredictions.saveState: ids must be strings or finite numbers, got ${String(id)}`);
      entries.push({ id, at: saveNumber(entry.at), value: encode(entry.value) });
    }
    return { entries, evicted: this.#evicted, expired: this.#expired, replaced: this.#replaced };
  }

  /**
   * Replaces the state (entries and counters) with one from `saveState`; entries pending in this
   * instance are discarded without `onDrop`. Everything is checked and decoded first: a state that
   * does not fit, or a `decode` that throws, raises `StateMismatchError` and changes nothing.
   * Entries keep their insertion order and the time they were added, so they expire as they would
   * have without the restart; the `ttlMs` of this instance applies (it may differ from the saved
   * one's), and expiry waits for the next `expire` or `take`. When more entries were saved than
   * this instance's `maxPending`, the oldest ones are dropped as the buffer would evict them:
   * counted in `evicted` and, once the state is loaded, passed to `onDrop` with 'evicted' (oldest
   * first), so the caller can attribute them as usual.
   * @param decode turns saved value data back into a value; it may throw `StateMismatchError` for data it rejects
   */
  loadState(state: unknown, decode: (saved: unknown) => T): void {
    const where = 'PendingPredictions';
    const s = readState(where, () => {
      const r = new StateReader(state, where);
      const list = r.array('entries');
      const entries = new Map<K, { value: T; at: number }>();
      for (let i = 0; i < list.length; i++) {
        const item = r.item(list, 'entries', i);
        const id = item.raw('id');
        if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
          throw new StateMismatchError(`${r.at('entries')}[${i}].id is not a string or a finite number`);
        if (entries.has(id as K))
          throw new StateMismatchError(`${r.at('entries')}[${i}].id repeats ${JSON.stringify(id)}`);
        const at = item.number('at');
        const value = readState(`${r.at('entries')}[${i}].value`, () => decode(item.raw('value')));
        entries.set(id as K, { value, at });
      }
      return {
        entries,
        evicted: r.integer('evicted'),
        expired: r.integer('expired'),
        replaced: r.integer('replaced'),
      };
    });
    const dropped: T[] = [];
    for (const [id, entry] of s.entries) {
      if (s.entries.size <= this.#maxPending) break;
      s.entries.delete(id);
      dropped.push(entry.value);
    }
    this.#entries.clear();
    for (const [id, entry] of s.entries) this.#entries.set(id, entry);
    this.#evicted = s.evicted + dropped.length;
    this.#expired = s.expired;
    this.#replaced = s.replaced;
    for (const value of dropped) this.#onDrop?.(value, 'evicted');
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
