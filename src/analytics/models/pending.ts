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

/** A pending prediction, linked in insertion order (`older` toward the head, the oldest). */
interface Slot<T, K> {
  readonly id: K;
  readonly value: T;
  readonly at: number;
  older: Slot<T, K> | undefined;
  newer: Slot<T, K> | undefined;
}

/**
 * Predictions waiting for their outcome, keyed by id, bounded in count and age. Each entry is
 * found by id through a Map and linked into a list in insertion order, so the oldest entry is
 * always the head of that list: `add`, `take`, eviction when full and expiry of one entry are all
 * O(1), whatever `maxPending` is. (The Map's own insertion order would serve in theory, but V8
 * leaves a hole for each deleted entry until it rehashes, so finding the first key after many
 * deletions from the front walks them all: eviction then cost O(maxPending).)
 *
 * A duplicate id replaces the pending value and restarts its age (it moves to the newest end); the
 * replacement is counted in `replaced`, so a producer reusing ids shows up on a dashboard.
 */
export class PendingPredictions<T, K = string> {
  /** Defaults of the options. */
  static readonly DEFAULT_OPTIONS = Object.freeze({ maxPending: 10_000, ttlMs: Infinity });

  readonly #maxPending: number;
  readonly #ttlMs: number;
  readonly #entries = new Map<K, Slot<T, K>>();
  /** The oldest entry. */
  #head: Slot<T, K> | undefined;
  /** The newest entry. */
  #tail: Slot<T, K> | undefined;
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
    const previous = this.#entries.get(id);
    if (previous !== undefined) {
      this.#remove(previous);
      this.#replaced++;
    } else if (this.#entries.size >= this.#maxPending) {
      const oldest = this.#head;
      if (oldest !== undefined) {
        this.#remove(oldest);
        this.#evicted++;
        this.#onDrop?.(oldest.value, 'evicted');
      }
    }
    this.#append({ id, value, at: nowMs, older: undefined, newer: undefined });
  }

  /** The value under `id` without removing it; undefined when absent or past `ttlMs` at `nowMs` (nothing is dropped). */
  peek(id: K, nowMs: number): T | undefined {
    const slot = this.#entries.get(id);
    return slot === undefined || nowMs - slot.at > this.#ttlMs ? undefined : slot.value;
  }

  /** Removes and returns the value under `id`; undefined when absent or expired (an expired one is counted). */
  take(id: K, nowMs: number): T | undefined {
    const slot = this.#entries.get(id);
    if (slot === undefined) return undefined;
    this.#remove(slot);
    if (nowMs - slot.at > this.#ttlMs) {
      this.#expired++;
      this.#onDrop?.(slot.value, 'expired');
      return undefined;
    }
    return slot.value;
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
    for (let slot = this.#head; slot !== undefined; slot = slot.newer) {
      const id = slot.id;
      if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
        throw new TypeError(`PendingPredictions.saveState: ids must be strings or finite numbers, got ${String(id)}`);
      entries.push({ id, at: saveNumber(slot.at), value: encode(slot.value) });
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
      const ids = new Set<K>();
      const entries: { id: K; value: T; at: number }[] = [];
      for (let i = 0; i < list.length; i++) {
        const item = r.item(list, 'entries', i);
        const id = item.raw('id');
        if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id)))
          throw new StateMismatchError(`${r.at('entries')}[${i}].id is not a string or a finite number`);
        if (ids.has(id as K)) throw new StateMismatchError(`${r.at('entries')}[${i}].id repeats ${JSON.stringify(id)}`);
        ids.add(id as K);
        const at = item.number('at');
        const value = readState(`${r.at('entries')}[${i}].value`, () => decode(item.raw('value')));
        entries.push({ id: id as K, value, at });
      }
      return {
        entries,
        evicted: r.integer('evicted'),
        expired: r.integer('expired'),
        replaced: r.integer('replaced'),
      };
    });
    const from = Math.max(0, s.entries.length - this.#maxPending);
    const dropped = s.entries.slice(0, from).map((entry) => entry.value);
    this.#entries.clear();
    this.#head = this.#tail = undefined;
    for (let i = from; i < s.entries.length; i++) {
      const { id, value, at } = s.entries[i]!;
      this.#append({ id, value, at, older: undefined, newer: undefined });
    }
    this.#evicted = s.evicted + dropped.length;
    this.#expired = s.expired;
    this.#replaced = s.replaced;
    for (const value of dropped) this.#onDrop?.(value, 'evicted');
  }

  /** Drops every entry older than `ttlMs` at `nowMs`; returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    // Oldest first: the first entry still within its time-to-live ends the scan.
    for (let slot = this.#head; slot !== undefined && nowMs - slot.at > this.#ttlMs; slot = this.#head) {
      this.#remove(slot);
      dropped++;
      this.#onDrop?.(slot.value, 'expired');
    }
    this.#expired += dropped;
    return dropped;
  }

  /** Links `slot` in as the newest entry. */
  #append(slot: Slot<T, K>): void {
    this.#entries.set(slot.id, slot);
    slot.older = this.#tail;
    if (this.#tail === undefined) this.#head = slot;
    else this.#tail.newer = slot;
    this.#tail = slot;
  }

  /** Unlinks `slot` and forgets its id. */
  #remove(slot: Slot<T, K>): void {
    this.#entries.delete(slot.id);
    if (slot.older === undefined) this.#head = slot.newer;
    else slot.older.newer = slot.newer;
    if (slot.newer === undefined) this.#tail = slot.older;
    else slot.newer.older = slot.older;
    slot.older = slot.newer = undefined;
  }
}
