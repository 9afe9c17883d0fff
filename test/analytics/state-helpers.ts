/**
 * Shared checks of the saveState / loadState tests: restart chains compared with an
 * uninterrupted run, and rejection of damaged states.
 */
import assert from 'node:assert/strict';
import { StateMismatchError } from '../../src/analytics/state.ts';

/** How a test saves and loads one kind of instance. */
export interface Restartable<X> {
  /** A new instance with the options under test. */
  readonly make: () => X;
  /** Its state (`x.saveState()` for most classes). */
  readonly save: (x: X) => unknown;
  /** Loads a state into it (`x.loadState(state)` for most classes). */
  readonly load: (x: X, state: unknown) => void;
}

/** One step of a stream: feeds or reads the instance and returns what it observed (compared exactly). */
export type Step<X> = (x: X) => unknown;

/** A saved state through JSON text, as a restarted process reads it. */
export function throughJson(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state)) as unknown;
}

/**
 * Runs `steps`, restarting at each of `cuts` (step indices, ascending): the state is saved,
 * checked to be plain JSON data that is not shared with the instance, sent through JSON text, and
 * loaded into a new instance that takes the remaining steps. Returns every step's observation.
 */
export function runWithRestarts<X>(r: Restartable<X>, steps: readonly Step<X>[], cuts: readonly number[]): unknown[] {
  let x = r.make();
  const out: unknown[] = [];
  let i = 0;
  for (const cut of cuts) {
    for (; i < cut; i++) out.push(steps[i]!(x));
    const state = r.save(x);
    assertPlainJson(state);
    const again = r.save(x);
    assert.notEqual(again, state, 'saveState returns a new object');
    vandalize(state);
    assert.deepEqual(r.save(x), again, 'changing a returned state does not change the instance');
    const next = r.make();
    r.load(next, throughJson(again));
    // Through JSON: a -0 in the state (a wiped-out cumulative return) is read back as 0.
    assert.deepEqual(throughJson(r.save(next)), throughJson(again), 'a loaded instance saves the state it loaded');
    x = next;
  }
  for (; i < steps.length; i++) out.push(steps[i]!(x));
  return out;
}

/**
 * The restart property: for each pair of cut points, the observations of the restarted chain equal
 * (exactly, NaN and signed zeros included) those of an uninterrupted run.
 */
export function assertRestartsExact<X>(
  r: Restartable<X>,
  steps: readonly Step<X>[],
  cutSets: readonly (readonly number[])[],
  where: string,
): void {
  const want = runWithRestarts(r, steps, []);
  for (const cuts of cutSets) {
    const got = runWithRestarts(r, steps, cuts);
    for (let i = 0; i < want.length; i++)
      assert.deepStrictEqual(got[i], want[i], `${where}, restarts at ${cuts.join(', ')}: step ${i}`);
  }
}

/** Two ascending cut points in [0, length], and single ones at the ends, from `rand`. */
export function cutPoints(rand: () => number, length: number): number[][] {
  const a = Math.floor(rand() * (length + 1));
  const b = Math.floor(rand() * (length + 1));
  return [[Math.min(a, b), Math.max(a, b)], [0], [length], [Math.floor(rand() * (length + 1))]];
}

/** Fails unless `value` is made only of finite numbers, strings, booleans, null, arrays and plain objects. */
export function assertPlainJson(value: unknown, path = 'state'): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    // -0 passes: JSON prints it as 0, which is all a restarted process can read back.
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    return;
  }
  if (Array.isArray(value)) {
    assert.equal(Object.getPrototypeOf(value), Array.prototype, `${path} is a plain array`);
    value.forEach((v, i) => assertPlainJson(v, `${path}[${i}]`));
    return;
  }
  assert.equal(typeof value, 'object', `${path} has type ${typeof value}`);
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is a plain object`);
  for (const [k, v] of Object.entries(value as object)) {
    assert.notEqual(v, undefined, `${path}.${k} is undefined`);
    assertPlainJson(v, `${path}.${k}`);
  }
}

/** Overwrites everything reachable in a saved state (to show the instance does not share it). */
function vandalize(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(vandalize);
    value.push('junk');
    value[0] = 'junk';
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const record = value as Record<string, unknown>;
      vandalize(record[key]);
      record[key] = 'junk';
    }
  }
}

/** Asserts that `load` throws a StateMismatchError whose message matches `message`. */
export function assertMismatch(load: () => void, message: RegExp, what: string): void {
  assert.throws(
    load,
    (error: unknown) => {
      assert.ok(error instanceof StateMismatchError, `${what}: threw ${String(error)}, not a StateMismatchError`);
      assert.match(error.message, message, what);
      return true;
    },
    `${what}: no error`,
  );
}

/** A path into a saved state: object keys and array indices. */
type Path = readonly (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...prefix, i], ...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]));
  return out;
}

function edit(
  state: unknown,
  path: Path,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = structuredClone(state) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1)!);
  return copy;
}

/**
 * Damages `state` in every way the tests demand and checks each is rejected with a
 * StateMismatchError that leaves the instance as new (its observations of `steps` equal a new
 * instance's): not an object at all; every field deleted in turn; every value, at any depth,
 * replaced by one of the wrong type; every non-empty array truncated, except those at the paths
 * in `truncatable` (a shorter list that is still a consistent state).
 */
export function assertRejectsDamage<X>(
  r: Restartable<X>,
  state: unknown,
  steps: readonly Step<X>[],
  where: string,
  truncatable: readonly string[] = [],
  optional: readonly string[] = [],
): void {
  const baseline = runWithRestarts(r, steps, []);
  const rejects = (damaged: unknown, what: string): void => {
    const x = r.make();
    assertMismatch(() => r.load(x, damaged), /./, `${where}: ${what}`);
    const after = steps.map((step) => step(x));
    assert.deepStrictEqual(after, baseline, `${where}: ${what} left the instance changed`);
  };
  for (const garbage of [null, undefined, [], {}, 42, 'state', true, [state]])
    rejects(garbage, JSON.stringify(garbage));
  for (const path of paths(state)) {
    const name = path.join('.');
    const value = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], state);
    // A field added after the format's first release may be absent (a state saved by an earlier version).
    if (typeof path.at(-1) === 'string' && !optional.includes(name.replace(/\.\d+/g, '.*')))
      rejects(
        edit(state, path, (p, k) => delete p[k]),
        `${name} deleted`,
      );
    const wrong = Array.isArray(value)
      ? { bogus: true }
      : typeof value === 'object' && value !== null
        ? []
        : { bogus: true };
    rejects(
      edit(state, path, (p, k) => (p[k] = wrong)),
      `${name} of the wrong type`,
    );
    if (Array.isArray(value) && value.length > 0 && !truncatable.includes(name.replace(/\.\d+/g, '.*')))
      rejects(
        edit(state, path, (p, k) => (p[k] as unknown[]).pop()),
        `${name} truncated`,
      );
  }
}

/** |got - want| <= rel * max(|got|, |want|) + floor, or both undefined. */
export function assertNear(
  got: number | undefined,
  want: number | undefined,
  what: string,
  rel = 1e-12,
  floor = 0,
): void {
  if (got === undefined || want === undefined) {
    assert.equal(got, want, what);
    return;
  }
  assert.ok(
    Math.abs(got - want) <= rel * Math.max(Math.abs(got), Math.abs(want)) + floor,
    `${what}: ${got} vs ${want}`,
  );
}
