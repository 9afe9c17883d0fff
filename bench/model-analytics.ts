/**
 * Model-analytics benchmark: cost per resolved prediction of the streaming parts (rolling
 * classification report, rolling calibration, ADWIN and Page-Hinkley on the 0/1 error) against
 * the naive approach of recomputing the classification report and the ECE from scratch over the
 * last `windowSize` predictions at every event.
 *
 *   npm exec -- node --expose-gc bench/model-analytics.ts                 full run
 *   BENCH_QUICK=1 npm exec -- node --expose-gc bench/model-analytics.ts   smoke run
 *
 * Prints a table (median ns/event over interleaved rounds, min-max, ratio to the streaming
 * pipeline) and a final line `JSON: {...}`.
 */
import { cpus } from 'node:os';
import { Adwin } from '../src/analytics/models/adwin.ts';
import { expectedCalibrationError } from '../src/analytics/models/calibration.ts';
import { classificationReport } from '../src/analytics/models/classification.ts';
import { PageHinkley } from '../src/analytics/models/page-hinkley.ts';
import { RollingCalibration } from '../src/analytics/models/rolling-calibration.ts';
import { RollingClassification } from '../src/analytics/models/rolling-classification.ts';
import { formatNs, formatRatio, measure, sinkValue, stats, table, type Case, type Plan } from './harness.ts';

const QUICK = process.env['BENCH_QUICK'] === '1';
const WINDOW = 500;

// Fast cases calibrate to ~targetMs per run; the naive ones cost up to a millisecond per event, so
// they get their own plan with small warm-ups (the harness warms up with a fixed call count).
const FAST_PLAN: Plan = QUICK
  ? { warmupPasses: 3, warmupCalls: 10_000, rounds: 3, targetMs: 15, minCalls: 10_000, maxCalls: 200_000 }
  : { warmupPasses: 5, warmupCalls: 50_000, rounds: 7, targetMs: 250, minCalls: 100_000, maxCalls: 2_000_000 };
const SLOW_PLAN: Plan = QUICK
  ? { warmupPasses: 2, warmupCalls: 100, rounds: 3, targetMs: 15, minCalls: 20, maxCalls: 10_000 }
  : { warmupPasses: 3, warmupCalls: 500, rounds: 7, targetMs: 250, minCalls: 100, maxCalls: 100_000 };

interface Event {
  readonly predicted: string;
  readonly actual: string;
  readonly probability: number;
  readonly correct: 0 | 1;
}

/** 1024 prebuilt resolved predictions (seeded), shared by every case. */
function events(): Event[] {
  let a = 12345;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const classes = ['buy', 'sell', 'hold'];
  return Array.from({ length: 1024 }, () => {
    const actual = classes[Math.floor(rnd() * 3)]!;
    const probability = 1 / 3 + rnd() * (2 / 3);
    const predicted = rnd() < probability ? actual : classes[Math.floor(rnd() * 3)]!;
    return { predicted, actual, probability, correct: predicted === actual ? 1 : 0 };
  });
}

function pipelineCase(input: readonly Event[]): Case {
  const classification = new RollingClassification(WINDOW);
  const calibration = new RollingCalibration(WINDOW, 5);
  const adwin = new Adwin();
  const ph = new PageHinkley();
  let i = 0;
  return {
    name: `streaming pipeline (window ${WINDOW})`,
    run(n) {
      let drifts = 0;
      for (let k = 0; k < n; k++) {
        const e = input[i]!;
        i = (i + 1) & 1023;
        classification.add(e.predicted, e.actual);
        calibration.add(e.probability, e.correct);
        const error = 1 - e.correct;
        if (adwin.update(error)) drifts++;
        if (ph.update(error)) drifts++;
      }
      return drifts + classification.size;
    },
  };
}

function adwinCase(input: readonly Event[]): Case {
  const adwin = new Adwin();
  let i = 0;
  return {
    name: 'Adwin.update',
    run(n) {
      let drifts = 0;
      for (let k = 0; k < n; k++) {
        if (adwin.update(1 - input[i]!.correct)) drifts++;
        i = (i + 1) & 1023;
      }
      return drifts + adwin.width;
    },
  };
}

function pageHinkleyCase(input: readonly Event[]): Case {
  const ph = new PageHinkley();
  let i = 0;
  return {
    name: 'PageHinkley.update',
    run(n) {
      let drifts = 0;
      for (let k = 0; k < n; k++) {
        if (ph.update(1 - input[i]!.correct)) drifts++;
        i = (i + 1) & 1023;
      }
      return drifts + ph.width;
    },
  };
}

/** The reports a scrape reads: the window's classification report and calibration. */
function reportCase(input: readonly Event[]): Case {
  const classification = new RollingClassification(WINDOW);
  const calibration = new RollingCalibration(WINDOW, 5);
  for (let k = 0; k < WINDOW; k++) {
    const e = input[k]!;
    classification.add(e.predicted, e.actual);
    calibration.add(e.probability, e.correct);
  }
  return {
    name: `rolling reports on demand (per scrape, window ${WINDOW})`,
    run(n) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (classification.rolling().accuracy ?? 0) + calibration.rolling().ece;
      return s;
    },
  };
}

function naiveCase(input: readonly Event[], windowSize: number): Case {
  const predicted: string[] = new Array<string>(windowSize);
  const actual: string[] = new Array<string>(windowSize);
  const probabilities: number[] = new Array<number>(windowSize);
  const labels: (0 | 1)[] = new Array<0 | 1>(windowSize);
  let head = 0;
  let size = 0;
  let i = 0;
  // Start with a full window, as in steady state.
  for (; size < windowSize; size++) {
    const e = input[size & 1023]!;
    predicted[size] = e.predicted;
    actual[size] = e.actual;
    probabilities[size] = e.probability;
    labels[size] = e.correct;
  }
  return {
    name: `naive recompute per event (window ${windowSize})`,
    run(n) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        const e = input[i]!;
        i = (i + 1) & 1023;
        predicted[head] = e.predicted;
        actual[head] = e.actual;
        probabilities[head] = e.probability;
        labels[head] = e.correct;
        head = (head + 1) % windowSize;
        if (size < windowSize) size++;
        // The last `size` events, oldest first, as a fresh array per metric: what a naive SDK does.
        const start = size < windowSize ? 0 : head;
        const p: string[] = [];
        const a: string[] = [];
        const prob: number[] = [];
        const y: (0 | 1)[] = [];
        for (let j = 0; j < size; j++) {
          const at = (start + j) % windowSize;
          p.push(predicted[at]!);
          a.push(actual[at]!);
          prob.push(probabilities[at]!);
          y.push(labels[at]!);
        }
        s += (classificationReport(p, a).accuracy ?? 0) + expectedCalibrationError(prob, y, 5);
      }
      return s;
    },
  };
}

/** Runs the benchmark, prints the table and the JSON line, and returns the results. */
export async function runModelAnalyticsBench(): Promise<object> {
  const input = events();
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  const pipeline = pipelineCase(input);
  const fast: Case[] = [pipeline, adwinCase(input), pageHinkleyCase(input), reportCase(input)];
  const slow: Case[] = [naiveCase(input, 500), naiveCase(input, 5000)];

  console.log('@evil2root/monitoring model-analytics benchmark');
  console.log(`node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} | ${new Date().toISOString()}`);
  console.log(
    `${QUICK ? 'QUICK mode: ' : ''}${FAST_PLAN.rounds} interleaved rounds of ~${FAST_PLAN.targetMs} ms per case; ` +
      `1024 prebuilt resolved predictions (3 classes), cycled; full GC before every run` +
      `${globalThis.gc === undefined ? ' (UNAVAILABLE: run with --expose-gc)' : ''}`,
  );
  process.stderr.write(`running ${fast.length} streaming cases...\n`);
  const measuredFast = measure(fast, FAST_PLAN, progress);
  process.stderr.write(`running ${slow.length} naive cases...\n`);
  const measuredSlow = measure(slow, SLOW_PLAN, progress);

  const all = [...measuredFast, ...measuredSlow];
  const pipelineMedian = stats(measuredFast.get(pipeline)!.samples).medianNs;
  const results: Record<string, { medianNs: number; minNs: number; maxNs: number; ratioToPipeline: number }> = {};
  const rows = all.map(([c, m]) => {
    const s = stats(m.samples);
    const ratio = s.medianNs / pipelineMedian;
    results[c.name] = { ...s, ratioToPipeline: ratio };
    return [
      c.name,
      formatNs(s.medianNs),
      `${formatNs(s.minNs)}-${formatNs(s.maxNs)}`,
      c === pipeline ? '1.0x (baseline)' : formatRatio(ratio),
    ];
  });
  console.log('');
  console.log(table(['case', 'median ns/event', 'min-max', 'vs streaming pipeline'], rows));
  console.log('');
  console.log(`(sink ${sinkValue().toFixed(3)})`);
  const out = { node: process.version, quick: QUICK, window: WINDOW, results };
  console.log(`JSON: ${JSON.stringify(out)}`);
  return out;
}

if (import.meta.main) await runModelAnalyticsBench();
