import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Adwin,
  PageHinkley,
  PendingPredictions,
  RollingCalibration,
  RollingClassification,
  RollingRegression,
  classificationReport,
  mae,
  reliabilityCurve,
  rmse,
} from '../../../src/analytics/models/index.ts';
import type {
  AdwinOptions,
  AdwinState,
  CalibrationSummary,
  DropReason,
  PageHinkleyOptions,
  PageHinkleyState,
  PendingPredictionsOptions,
  PendingPredictionsState,
  RegressionSummary,
  RollingCalibrationState,
  RollingClassificationState,
  RollingRegressionState,
} from '../../../src/analytics/models/index.ts';
import { StateMismatchError } from '../../../src/analytics/state.ts';
import { prng } from '../../helpers/random.ts';
import {
  assertMismatch,
  assertNear,
  assertRejectsDamage,
  assertRestartsExact,
  cutPoints,
  throughJson,
  type Restartable,
  type Step,
} from '../state-helpers.ts';

function restartable<X extends { saveState(): unknown; loadState(state: unknown): void }>(
  make: () => X,
): Restartable<X> {
  return { make, save: (x) => x.saveState(), load: (x, s) => x.loadState(s) };
}

/** A normal variate (Box-Muller) from `rand`. */
function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** A stream whose mean jumps every few hundred values, so the detectors detect. */
function drifting(rand: () => number, length: number): number[] {
  const out: number[] = [];
  let mean = 0;
  let binary = rand() < 0.5;
  let p = 0.2;
  for (let i = 0; i < length; i++) {
    if (rand() < 0.004) {
      mean += (rand() < 0.5 ? -1 : 1) * (1 + 4 * rand());
      p = rand();
      if (rand() < 0.2) binary = !binary;
    }
    out.push(binary ? (rand() < p ? 1 : 0) : mean + gauss(rand));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Adwin

function observeAdwin(a: Adwin): unknown {
  return [a.driftDetected, a.width, a.estimation, a.variance, a.buckets, a.total, a.nDetections, a.score];
}

function adwinSteps(values: readonly number[]): Step<Adwin>[] {
  return [...values.map((v): Step<Adwin> => (a) => [a.update(v), observeAdwin(a)]), observeAdwin];
}

function randomAdwinOptions(rand: () => number): AdwinOptions {
  return {
    delta: [0.002, 0.05, 0.3][Math.floor(rand() * 3)]!,
    clock: 1 + Math.floor(rand() * 32),
    maxBuckets: 1 + Math.floor(rand() * 6),
    minWindowLength: 1 + Math.floor(rand() * 8),
    gracePeriod: Math.floor(rand() * 20),
  };
}

test('Adwin: restarted chains equal an uninterrupted run exactly, detections included (seeded, 120 streams)', () => {
  const rand = prng(201);
  let detections = 0;
  for (let s = 0; s < 120; s++) {
    const options = randomAdwinOptions(rand);
    const values = drifting(rand, Math.floor(rand() * 2000));
    const reference = new Adwin(options);
    for (const v of values) reference.update(v);
    detections += reference.nDetections;
    const steps = adwinSteps(values);
    assertRestartsExact(
      restartable(() => new Adwin(options)),
      steps,
      cutPoints(rand, steps.length),
      `stream ${s}`,
    );
  }
  assert.ok(detections > 50, `the streams drift: ${detections} detections`);
});

test('Adwin: a state saved with another option is rejected, naming the option', () => {
  const options = Adwin.DEFAULT_OPTIONS;
  const a = new Adwin();
  for (const v of drifting(prng(202), 300)) a.update(v);
  const state = throughJson(a.saveState());
  for (const [key, value] of [
    ['delta', 0.01],
    ['clock', 16],
    ['maxBuckets', 4],
    ['minWindowLength', 6],
    ['gracePeriod', 0],
  ] as const) {
    assertMismatch(
      () => new Adwin({ ...options, [key]: value }).loadState(state),
      new RegExp(`^Adwin\\.${key} was saved as`),
      key,
    );
  }
});

test('Adwin: damaged states are rejected and leave the detector as new', () => {
  const options: AdwinOptions = { clock: 2, maxBuckets: 2 };
  const a = new Adwin(options);
  for (const v of drifting(prng(203), 40)) a.update(v);
  const state = throughJson(a.saveState()) as AdwinState;
  assert.ok(state.rows.length > 2, 'several rows');
  const check = adwinSteps(drifting(prng(204), 60));
  assertRejectsDamage(
    restartable(() => new Adwin(options)),
    state,
    check,
    'Adwin',
  );
  const bad = (patch: Partial<Record<keyof AdwinState, unknown>>, field: RegExp, what: string) =>
    assertMismatch(() => new Adwin(options).loadState({ ...state, ...patch }), field, what);
  bad({ width: state.width + 1 }, /Adwin\.width/, 'width off by one');
  bad({ tick: -1 }, /Adwin\.tick/, 'tick -1');
  bad({ nDetections: 0.5 }, /Adwin\.nDetections/, 'nDetections 0.5');
  bad({ rows: [] }, /Adwin\.rows/, 'no rows');
  bad({ rows: [{ total: [1, 2, 3], variance: [0, 0, 0] }] }, /Adwin\.rows\[0\]/, 'a row over maxBuckets');
});

// ---------------------------------------------------------------------------------------------
// PageHinkley

function observePageHinkley(p: PageHinkley): unknown {
  return [p.driftDetected, p.width, p.estimation, p.nDetections, p.score];
}

function pageHinkleySteps(values: readonly number[]): Step<PageHinkley>[] {
  return [...values.map((v): Step<PageHinkley> => (p) => [p.update(v), observePageHinkley(p)]), observePageHinkley];
}

function randomPageHinkleyOptions(rand: () => number): PageHinkleyOptions {
  return {
    minInstances: 1 + Math.floor(rand() * 30),
    delta: rand() < 0.3 ? 0 : rand() * 0.05,
    threshold: 2 + rand() * 40,
    alpha: [1, 1 - 1e-4, 0.99][Math.floor(rand() * 3)]!,
    mode: (['up', 'down', 'both'] as const)[Math.floor(rand() * 3)]!,
  };
}

test('PageHinkley: restarted chains equal an uninterrupted run exactly, detections included (seeded, 150 streams)', () => {
  const rand = prng(211);
  let detections = 0;
  for (let s = 0; s < 150; s++) {
    const options = randomPageHinkleyOptions(rand);
    const values = drifting(rand, Math.floor(rand() * 1500));
    const reference = new PageHinkley(options);
    for (const v of values) reference.update(v);
    detections += reference.nDetections;
    const steps = pageHinkleySteps(values);
    assertRestartsExact(
      restartable(() => new PageHinkley(options)),
      steps,
      cutPoints(rand, steps.length),
      `stream ${s}`,
    );
  }
  assert.ok(detections > 50, `the streams drift: ${detections} detections`);
});

test('PageHinkley: a state saved with another option is rejected, naming the option', () => {
  const p = new PageHinkley();
  for (const v of drifting(prng(212), 100)) p.update(v);
  const state = throughJson(p.saveState());
  for (const [key, value] of [
    ['minInstances', 10],
    ['delta', 0.01],
    ['threshold', 20],
    ['alpha', 1],
    ['mode', 'up'],
  ] as const) {
    assertMismatch(
      () => new PageHinkley({ [key]: value }).loadState(state),
      new RegExp(`^PageHinkley\\.${key} was saved as`),
      key,
    );
  }
  // A delta of -0 is saved as 0 and still matches.
  new PageHinkley({ delta: -0 }).loadState(throughJson(new PageHinkley({ delta: -0 }).saveState()));
});

test('PageHinkley: damaged states are rejected and leave the detector as new', () => {
  const options: PageHinkleyOptions = { minInstances: 3, threshold: 3 };
  const p = new PageHinkley(options);
  for (const v of drifting(prng(213), 20)) p.update(v);
  const state = throughJson(p.saveState()) as PageHinkleyState;
  assertRejectsDamage(
    restartable(() => new PageHinkley(options)),
    state,
    pageHinkleySteps(drifting(prng(214), 80)),
    'PageHinkley',
  );
  assertMismatch(() => new PageHinkley(options).loadState({ ...state, n: -1 }), /PageHinkley\.n/, 'n -1');
  assertMismatch(
    () => new PageHinkley(options).loadState({ ...state, mean: 'many' }),
    /PageHinkley\.mean/,
    'mean a word',
  );
  // A fresh detector's state (minIncrease = Infinity) round-trips.
  const fresh = new PageHinkley(options);
  fresh.loadState(throughJson(new PageHinkley(options).saveState()));
  assert.deepEqual(fresh.saveState(), new PageHinkley(options).saveState());
});

// ---------------------------------------------------------------------------------------------
// RollingClassification

function observeClassification(c: RollingClassification): unknown {
  return [c.size, c.total, c.rolling(), c.lifetime(), c.rolling(['a', 'zz', 'c']), c.lifetime(['b', 'never'])];
}

/** Pairs from a label set that grows over the stream, so classes appear late (some after a restart). */
function classificationPairs(rand: () => number, length: number): [string, string][] {
  const pairs: [string, string][] = [];
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  for (let i = 0; i < length; i++) {
    const known = 1 + Math.floor((i / Math.max(1, length)) * names.length);
    const actual = names[Math.floor(rand() * known)]!;
    const predicted = rand() < 0.6 ? actual : names[Math.floor(rand() * known)]!;
    pairs.push([predicted, actual]);
  }
  return pairs;
}

function classificationSteps(rand: () => number, pairs: readonly [string, string][]): Step<RollingClassification>[] {
  const steps: Step<RollingClassification>[] = [];
  for (const [p, a] of pairs) {
    steps.push((c) => c.add(p, a));
    if (rand() < 0.3) steps.push(observeClassification);
  }
  steps.push(observeClassification);
  return steps;
}

test('RollingClassification: restarted chains equal an uninterrupted run exactly (seeded, 200 streams)', () => {
  const rand = prng(221);
  for (let s = 0; s < 200; s++) {
    const windowSize = 1 + Math.floor(rand() * 30);
    const steps = classificationSteps(rand, classificationPairs(rand, Math.floor(rand() * 200)));
    assertRestartsExact(
      restartable(() => new RollingClassification(windowSize)),
      steps,
      cutPoints(rand, steps.length),
      `stream ${s}`,
    );
  }
});

test('RollingClassification: damaged states are rejected and leave the instance as new', () => {
  const c = new RollingClassification(4);
  for (const [p, a] of classificationPairs(prng(222), 12)) c.add(p, a);
  const state = throughJson(c.saveState()) as RollingClassificationState;
  assert.ok(state.labels.length > 2);
  const check = classificationSteps(prng(223), classificationPairs(prng(224), 30));
  assertRejectsDamage(
    restartable(() => new RollingClassification(4)),
    state,
    check,
    'RollingClassification',
  );
  const bad = (patch: Partial<Record<keyof RollingClassificationState, unknown>>, field: RegExp, what: string) =>
    assertMismatch(() => new RollingClassification(4).loadState({ ...state, ...patch }), field, what);
  bad(
    { windowPredicted: [state.labels.length, ...state.windowPredicted.slice(1)] },
    /windowPredicted\[0\]/,
    'an unknown id',
  );
  bad({ labels: [...state.labels.slice(0, -1), state.labels[0]] }, /labels\[/, 'a repeated label');
  bad({ total: state.total + 1 }, /lifetime counts/, 'total off by one');
  bad({ correct: state.total + 1 }, /RollingClassification\.correct/, 'correct over total');
  bad({ windowSize: 0 }, /RollingClassification\.windowSize/, 'windowSize 0');
});

test('RollingClassification: another window size keeps the lifetime exactly and rebuilds the window', () => {
  const rand = prng(225);
  for (let s = 0; s < 200; s++) {
    const saved = 1 + Math.floor(rand() * 25);
    const changed = 1 + Math.floor(rand() * 25);
    const pairs = classificationPairs(rand, Math.floor(rand() * 100));
    const cut = Math.floor(rand() * (pairs.length + 1));
    const b = new RollingClassification(saved);
    const reference = new RollingClassification(changed);
    for (const [p, a] of pairs.slice(0, cut)) {
      b.add(p, a);
      reference.add(p, a);
    }
    const c = new RollingClassification(changed);
    c.loadState(throughJson(b.saveState()));
    for (let i = cut; i <= pairs.length; i++) {
      const where = `stream ${s} (window ${saved} -> ${changed}), after ${i} pairs`;
      assert.deepStrictEqual([c.total, c.lifetime()], [reference.total, reference.lifetime()], `${where}: lifetime`);
      const count = Math.min(changed, Math.min(saved, cut) + (i - cut));
      assert.equal(c.size, count, where);
      const slice = pairs.slice(i - count, i);
      // Integer counts: exact, as classificationReport over the same pairs (and the reference once it holds as many).
      const want = classificationReport(
        slice.map((x) => x[0]),
        slice.map((x) => x[1]),
      );
      assert.deepStrictEqual(c.rolling(), want, `${where}: rolling`);
      if (reference.size === count) assert.deepStrictEqual(c.rolling(), reference.rolling(), `${where}: rolling`);
      if (i < pairs.length) {
        c.add(...pairs[i]!);
        reference.add(...pairs[i]!);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// RollingCalibration

function observeCalibration(c: RollingCalibration): unknown {
  return [c.size, c.total, c.rolling(), c.lifetime(), c.ece(), c.reliability()];
}

/** Probabilities in [0, 1], on bin edges, at 0 and 1, and outside (ignored), with labels. */
function calibrationPairs(rand: () => number, length: number, bins: number): [number, 0 | 1][] {
  const out: [number, 0 | 1][] = [];
  for (let i = 0; i < length; i++) {
    const u = rand();
    const p =
      u < 0.05
        ? 0
        : u < 0.1
          ? 1
          : u < 0.2
            ? Math.floor(rand() * (bins + 1)) / bins
            : u < 0.23
              ? [NaN, -0.1, 1.5, Infinity][Math.floor(rand() * 4)]!
              : rand();
    out.push([p, rand() < (Number.isFinite(p) ? p : 0.5) ? 1 : 0]);
  }
  return out;
}

function calibrationSteps(rand: () => number, pairs: readonly [number, 0 | 1][]): Step<RollingCalibration>[] {
  const steps: Step<RollingCalibration>[] = [];
  for (const [p, y] of pairs) {
    steps.push((c) => c.add(p, y));
    if (rand() < 0.3) steps.push(observeCalibration);
  }
  steps.push(observeCalibration);
  return steps;
}

test('RollingCalibration: restarted chains equal an uninterrupted run exactly (seeded, 200 streams)', () => {
  const rand = prng(231);
  for (let s = 0; s < 200; s++) {
    const windowSize = 1 + Math.floor(rand() * 40);
    const bins = s === 0 ? 300 : 1 + Math.floor(rand() * 12); // 300 bins: a Uint16Array of bin ids
    const steps = calibrationSteps(rand, calibrationPairs(rand, Math.floor(rand() * 300), bins));
    assertRestartsExact(
      restartable(() => new RollingCalibration(windowSize, bins)),
      steps,
      cutPoints(rand, steps.length),
      `stream ${s}`,
    );
  }
});

test('RollingCalibration: a state saved with other bins is rejected, naming bins; damaged states leave the instance as new', () => {
  const c = new RollingCalibration(5, 4);
  for (const [p, y] of calibrationPairs(prng(232), 13, 4)) c.add(p, y);
  const state = throughJson(c.saveState()) as RollingCalibrationState;
  assertMismatch(
    () => new RollingCalibration(5, 5).loadState(state),
    /^RollingCalibration\.bins was saved as 4/,
    'bins',
  );
  const check = calibrationSteps(prng(233), calibrationPairs(prng(234), 30, 4));
  assertRejectsDamage(
    restartable(() => new RollingCalibration(5, 4)),
    state,
    check,
    'RollingCalibration',
  );
  const bad = (patch: Partial<Record<keyof RollingCalibrationState, unknown>>, field: RegExp, what: string) =>
    assertMismatch(() => new RollingCalibration(5, 4).loadState({ ...state, ...patch }), field, what);
  bad({ head: 5 }, /RollingCalibration\.head/, 'head = windowSize');
  bad({ labels: [2, ...state.labels.slice(1)] }, /RollingCalibration\.labels\[0\]/, 'a label of 2');
  bad({ probabilities: [1.5, ...state.probabilities.slice(1)] }, /RollingCalibration\.probabilities\[0\]/, 'p 1.5');
  bad({ sinceRecompute: 5 }, /RollingCalibration\.sinceRecompute/, 'sinceRecompute = windowSize');
  bad({ total: state.total + 1 }, /RollingCalibration\.counts/, 'total off by one');
  bad({ sums: ['NaN', ...state.sums.slice(1)] }, /RollingCalibration\.sums\[0\]/, 'a NaN sum');
  // A window that is not full must start at slot 0.
  const partial = new RollingCalibration(5, 4);
  partial.add(0.5, 1);
  const partialState = throughJson(partial.saveState()) as RollingCalibrationState;
  assertMismatch(
    () => new RollingCalibration(5, 4).loadState({ ...partialState, head: 3 }),
    /RollingCalibration\.head/,
    'head of a partial window',
  );
});

test('RollingCalibration: another window size keeps the lifetime exactly and rebuilds the window', () => {
  const rand = prng(235);
  for (let s = 0; s < 200; s++) {
    const bins = 1 + Math.floor(rand() * 10);
    const saved = 1 + Math.floor(rand() * 30);
    const changed = 1 + Math.floor(rand() * 30);
    const pairs = calibrationPairs(rand, Math.floor(rand() * 120), bins).filter(([p]) => p >= 0 && p <= 1);
    const cut = Math.floor(rand() * (pairs.length + 1));
    const b = new RollingCalibration(saved, bins);
    const reference = new RollingCalibration(changed, bins);
    for (const [p, y] of pairs.slice(0, cut)) {
      b.add(p, y);
      reference.add(p, y);
    }
    const c = new RollingCalibration(changed, bins);
    c.loadState(throughJson(b.saveState()));
    for (let i = cut; i <= pairs.length; i++) {
      const where = `stream ${s} (window ${saved} -> ${changed}), after ${i} pairs`;
      assert.deepStrictEqual([c.total, c.lifetime()], [reference.total, reference.lifetime()], `${where}: lifetime`);
      const count = Math.min(changed, Math.min(saved, cut) + (i - cut));
      assert.equal(c.size, count, where);
      const slice = pairs.slice(i - count, i);
      const want =
        reference.size === count
          ? reference.rolling()
          : summaryOf(
              slice.map((x) => x[0]),
              slice.map((x) => x[1]),
              bins,
            );
      assertCalibrationNear(c.rolling(), want, where);
      if (i < pairs.length) {
        c.add(...pairs[i]!);
        reference.add(...pairs[i]!);
      }
    }
  }
});

function summaryOf(probabilities: number[], labels: (0 | 1)[], bins: number): CalibrationSummary {
  const curve = reliabilityCurve(probabilities, labels, bins);
  let ece = 0;
  for (const b of curve.bins)
    ece += (b.count / probabilities.length) * Math.abs(b.observedFrequency - b.meanConfidence);
  return { count: probabilities.length, ece, curve };
}

/** Counts and frequencies exactly; mean confidences (sums updated on insert and evict) and the ECE to 1e-12 relative. */
function assertCalibrationNear(got: CalibrationSummary, want: CalibrationSummary, where: string): void {
  assert.equal(got.count, want.count, `${where}: count`);
  assert.equal(got.curve.bins.length, want.curve.bins.length, `${where}: bins`);
  got.curve.bins.forEach((b, k) => {
    const w = want.curve.bins[k]!;
    assert.deepStrictEqual(
      [b.label, b.lower, b.upper, b.count, b.observedFrequency],
      [w.label, w.lower, w.upper, w.count, w.observedFrequency],
      where,
    );
    assertNear(b.meanConfidence, w.meanConfidence, `${where}: meanConfidence of bin ${b.label}`, 1e-12, 1e-15);
  });
  // The ECE sums differences |frequency - confidence|, which can be near 0: a floor of 1e-14.
  assertNear(got.ece, want.ece, `${where}: ece`, 1e-12, 1e-14);
}

// ---------------------------------------------------------------------------------------------
// RollingRegression

function observeRegression(r: RollingRegression): unknown {
  return [r.rolling(), r.lifetime()];
}

/** Errors of ordinary size, exact zeros, outliers that dwarf the window (which force recomputes), and rarely NaN or Infinity. */
function regressionPairs(rand: () => number, length: number, poison: boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < length; i++) {
    const actual = rand() * 10;
    const u = rand();
    const predicted =
      u < 0.1
        ? actual
        : u < 0.13
          ? actual + (rand() - 0.5) * 1e12
          : poison && u < 0.135
            ? [NaN, Infinity][Math.floor(rand() * 2)]!
            : actual + gauss(rand);
    out.push([predicted, actual]);
  }
  return out;
}

function regressionSteps(rand: () => number, pairs: readonly [number, number][]): Step<RollingRegression>[] {
  const steps: Step<RollingRegression>[] = [];
  for (const [p, a] of pairs) {
    steps.push((r) => r.add(p, a));
    if (rand() < 0.3) steps.push(observeRegression);
  }
  steps.push(observeRegression);
  return steps;
}

test('RollingRegression: restarted chains equal an uninterrupted run exactly (seeded, 200 streams)', () => {
  const rand = prng(241);
  for (let s = 0; s < 200; s++) {
    const windowSize = 1 + Math.floor(rand() * 40);
    const steps = regressionSteps(rand, regressionPairs(rand, Math.floor(rand() * 300), s % 4 === 0));
    assertRestartsExact(
      restartable(() => new RollingRegression(windowSize)),
      steps,
      cutPoints(rand, steps.length),
      `stream ${s}`,
    );
  }
});

test('RollingRegression: damaged states are rejected and leave the instance as new', () => {
  const r = new RollingRegression(5);
  for (const [p, a] of regressionPairs(prng(242), 13, false)) r.add(p, a);
  const state = throughJson(r.saveState()) as RollingRegressionState;
  assert.notEqual(state.head, 4, 'a full window whose head is not the last slot, so a truncated one is inconsistent');
  const check = regressionSteps(prng(243), regressionPairs(prng(244), 30, false));
  assertRejectsDamage(
    restartable(() => new RollingRegression(5)),
    state,
    check,
    'RollingRegression',
  );
  const bad = (patch: Partial<Record<keyof RollingRegressionState, unknown>>, field: RegExp, what: string) =>
    assertMismatch(() => new RollingRegression(5).loadState({ ...state, ...patch }), field, what);
  bad({ head: -1 }, /RollingRegression\.head/, 'head -1');
  bad({ sinceRecompute: 5 }, /RollingRegression\.sinceRecompute/, 'sinceRecompute = windowSize');
  bad({ total: 2 }, /RollingRegression\.total/, 'total under the window');
  bad({ errors: [...state.errors, 1] }, /RollingRegression\.errors/, 'more errors than the window');
});

test('RollingRegression: another window size keeps the lifetime exactly and rebuilds the window', () => {
  const rand = prng(245);
  for (let s = 0; s < 200; s++) {
    const saved = 1 + Math.floor(rand() * 30);
    const changed = 1 + Math.floor(rand() * 30);
    // No outliers here: the rolling sums of two instances then agree to ~1e-15 relative.
    const pairs = Array.from({ length: Math.floor(rand() * 120) }, (): [number, number] => [gauss(rand), gauss(rand)]);
    const cut = Math.floor(rand() * (pairs.length + 1));
    const b = new RollingRegression(saved);
    const reference = new RollingRegression(changed);
    for (const [p, a] of pairs.slice(0, cut)) {
      b.add(p, a);
      reference.add(p, a);
    }
    const c = new RollingRegression(changed);
    c.loadState(throughJson(b.saveState()));
    for (let i = cut; i <= pairs.length; i++) {
      const where = `stream ${s} (window ${saved} -> ${changed}), after ${i} pairs`;
      assert.deepStrictEqual(c.lifetime(), reference.lifetime(), `${where}: lifetime`);
      const count = Math.min(changed, Math.min(saved, cut) + (i - cut));
      const slice = pairs.slice(i - count, i);
      const want: RegressionSummary =
        reference.rolling().count === count
          ? reference.rolling()
          : {
              count,
              rmse: rmse(
                slice.map((x) => x[0]),
                slice.map((x) => x[1]),
              ),
              mae: mae(
                slice.map((x) => x[0]),
                slice.map((x) => x[1]),
              ),
            };
      const got = c.rolling();
      assert.equal(got.count, want.count, where);
      assertNear(got.rmse, want.rmse, `${where}: rmse`);
      assertNear(got.mae, want.mae, `${where}: mae`);
      if (i < pairs.length) {
        c.add(...pairs[i]!);
        reference.add(...pairs[i]!);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// PendingPredictions

interface Prediction {
  readonly model: string;
  readonly p: number;
}

const encode = (v: Prediction): unknown => ({ model: v.model, p: v.p });

function decode(saved: unknown): Prediction {
  const o = saved as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || typeof o['model'] !== 'string' || typeof o['p'] !== 'number')
    throw new StateMismatchError('not a prediction');
  return { model: o['model'], p: o['p'] };
}

/** A PendingPredictions whose drops are logged (as the observation of the step that caused them). */
class Logged {
  readonly drops: [Prediction, DropReason][] = [];
  readonly pending: PendingPredictions<Prediction, string | number>;
  constructor(options: PendingPredictionsOptions) {
    this.pending = new PendingPredictions(options, (value, reason) => this.drops.push([value, reason]));
  }
  /** The drops since the last call, with the counters. */
  flush(): unknown {
    const out = [
      this.drops.splice(0),
      this.pending.size,
      this.pending.evicted,
      this.pending.expired,
      this.pending.replaced,
    ];
    return out;
  }
}

function pendingRestartable(options: PendingPredictionsOptions): Restartable<Logged> {
  return {
    make: () => new Logged(options),
    save: (x) => x.pending.saveState(encode),
    load: (x, s) => x.pending.loadState(s, decode),
  };
}

function pendingSteps(rand: () => number, length: number): Step<Logged>[] {
  const steps: Step<Logged>[] = [];
  let now = 1_700_000_000_000;
  const ids: (string | number)[] = [];
  for (let i = 0; i < length; i++) {
    now += Math.floor(rand() * 100) - (rand() < 0.05 ? 300 : 0); // a clock that sometimes steps back
    const at = now;
    const u = rand();
    if (u < 0.55) {
      // New ids, and reused ones (a replacement).
      const id = rand() < 0.15 && ids.length > 0 ? ids[Math.floor(rand() * ids.length)]! : rand() < 0.5 ? `id${i}` : i;
      ids.push(id);
      const value = { model: `m${Math.floor(rand() * 3)}`, p: rand() };
      steps.push((x) => [x.pending.add(id, value, at), x.flush()]);
    } else if (u < 0.85 && ids.length > 0) {
      const id = ids[Math.floor(rand() * ids.length)]!;
      steps.push((x) => [x.pending.take(id, at), x.flush()]);
    } else {
      steps.push((x) => [x.pending.expire(at), x.flush()]);
    }
  }
  return steps;
}

test('PendingPredictions: restarted chains equal an uninterrupted run exactly, drops and their order included (seeded, 200 streams)', () => {
  const rand = prng(251);
  for (let s = 0; s < 200; s++) {
    const options: PendingPredictionsOptions = {
      maxPending: 1 + Math.floor(rand() * 12),
      ...(rand() < 0.7 ? { ttlMs: 50 + Math.floor(rand() * 500) } : {}),
    };
    const steps = pendingSteps(rand, Math.floor(rand() * 300));
    assertRestartsExact(pendingRestartable(options), steps, cutPoints(rand, steps.length), `stream ${s}`);
  }
});

test('PendingPredictions: entries keep their age and their order across a load', () => {
  const a = new PendingPredictions<Prediction>({ maxPending: 3, ttlMs: 100 });
  a.add('x', { model: 'm', p: 0.1 }, 0);
  a.add('y', { model: 'm', p: 0.2 }, 50);
  a.add('x', { model: 'm', p: 0.3 }, 60); // replaced: now the newest, aged from 60
  const drops: [Prediction, DropReason][] = [];
  const b = new PendingPredictions<Prediction>({ maxPending: 3, ttlMs: 100 }, (v, r) => drops.push([v, r]));
  b.loadState(throughJson(a.saveState(encode)), decode);
  assert.deepEqual(drops, [], 'a load that fits drops nothing');
  assert.deepEqual([b.size, b.replaced, b.evicted, b.expired], [2, 1, 0, 0]);
  b.add('z', { model: 'm', p: 0.4 }, 70);
  b.add('w', { model: 'm', p: 0.5 }, 80); // full: evicts 'y', the oldest
  assert.deepEqual(drops, [[{ model: 'm', p: 0.2 }, 'evicted']]);
  assert.equal(b.expire(160), 0, 'x was added at 60: age 100 at 160 is still alive');
  assert.equal(b.expire(161), 1);
  assert.deepEqual(drops.at(-1), [{ model: 'm', p: 0.3 }, 'expired']);
  assert.deepEqual(b.take('z', 165), { model: 'm', p: 0.4 });
});

test('PendingPredictions: a smaller maxPending evicts the oldest saved entries through onDrop, after the load; ttlMs may differ', () => {
  const a = new PendingPredictions<Prediction, number>({ maxPending: 10, ttlMs: 1000 });
  for (let i = 0; i < 6; i++) a.add(i, { model: `m${i}`, p: i / 10 }, i * 10);
  a.add(99, { model: 'late', p: 1 }, 5000);
  a.expire(5000); // drops the first six: expired 6
  for (let i = 0; i < 5; i++) a.add(i, { model: `m${i}`, p: i / 10 }, 6000 + i);
  const state = throughJson(a.saveState(encode)) as PendingPredictionsState;
  assert.deepEqual(
    state.entries.map((e) => e.id),
    [99, 0, 1, 2, 3, 4],
  );
  const seen: unknown[] = [];
  const b: PendingPredictions<Prediction, number> = new PendingPredictions<Prediction, number>(
    { maxPending: 3, ttlMs: 10 },
    (value, reason) => seen.push([value.model, reason, b.size, b.evicted]),
  );
  b.loadState(state, decode);
  // The state is in place when onDrop runs: 3 entries, evicted counting the 3 dropped.
  assert.deepEqual(seen, [
    ['late', 'evicted', 3, 3],
    ['m0', 'evicted', 3, 3],
    ['m1', 'evicted', 3, 3],
  ]);
  assert.deepEqual([b.size, b.evicted, b.expired, b.replaced], [3, 3, 6, 0]);
  assert.equal(b.take(1, 6010), undefined, 'evicted');
  assert.deepEqual(b.take(2, 6012), { model: 'm2', p: 0.2 }, 'age 10 with this ttl of 10: alive');
  assert.equal(b.take(3, 6014), undefined, 'age 11 with this ttl of 10: expired');
  assert.equal(b.expired, 7);
  // A larger maxPending keeps everything.
  const c = new PendingPredictions<Prediction, number>({ maxPending: 100 }, () => assert.fail('nothing to drop'));
  c.loadState(state, decode);
  assert.equal(c.size, 6);
});

test('PendingPredictions: damaged states and failing decodes are rejected and leave the instance as new', () => {
  const options: PendingPredictionsOptions = { maxPending: 4, ttlMs: 200 };
  const x = new Logged(options);
  for (const step of pendingSteps(prng(252), 12)) step(x);
  const state = throughJson(x.pending.saveState(encode)) as PendingPredictionsState;
  assert.ok(state.entries.length > 1);
  const check = pendingSteps(prng(253), 40);
  // Fewer entries is a consistent state.
  assertRejectsDamage(pendingRestartable(options), state, check, 'PendingPredictions', ['entries']);
  const load =
    (s: unknown, d: (v: unknown) => Prediction = decode) =>
    () =>
      new PendingPredictions<Prediction, string | number>(options).loadState(s, d);
  const entries = state.entries;
  assertMismatch(load({ ...state, entries: [...entries, entries[0]] }), /entries\[\d+\]\.id repeats/, 'a repeated id');
  assertMismatch(load({ ...state, entries: [{ ...entries[0]!, id: true }] }), /entries\[0\]\.id/, 'a boolean id');
  assertMismatch(load({ ...state, evicted: -1 }), /PendingPredictions\.evicted/, 'evicted -1');
  assertMismatch(
    load(state, () => {
      throw new TypeError('cannot decode');
    }),
    /entries\[0\]\.value could not be read: cannot decode/,
    'a decode throwing a TypeError',
  );
  // Only string and number ids can be saved.
  const objects = new PendingPredictions<Prediction, object>();
  objects.add({}, { model: 'm', p: 0 }, 0);
  assert.throws(() => objects.saveState(encode), TypeError);
});

test('loadState rejects states of another class', () => {
  const states: [string, unknown][] = [
    ['Adwin', new Adwin().saveState()],
    ['PageHinkley', new PageHinkley().saveState()],
    ['RollingClassification', new RollingClassification().saveState()],
    ['RollingCalibration', new RollingCalibration().saveState()],
    ['RollingRegression', new RollingRegression().saveState()],
  ];
  const loaders: [string, (s: unknown) => void][] = [
    ['Adwin', (s) => new Adwin().loadState(s)],
    ['PageHinkley', (s) => new PageHinkley().loadState(s)],
    ['RollingClassification', (s) => new RollingClassification().loadState(s)],
    ['RollingCalibration', (s) => new RollingCalibration().loadState(s)],
    ['RollingRegression', (s) => new RollingRegression().loadState(s)],
  ];
  for (const [from, state] of states)
    for (const [to, load] of loaders)
      if (from !== to) assertMismatch(() => load(throughJson(state)), new RegExp(`^${to}\\.`), `${from} into ${to}`);
});
