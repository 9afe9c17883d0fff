/**
 * Timing harness: warm-up, interleaved rounds, medians. Each case brings its own loop (a distinct
 * function literal), so no call site in the harness is shared between contestants and none of them
 * runs through a megamorphic `fn(input)` call.
 */

export interface Case {
  readonly name: string;
  /** Performs `n` calls of the operation and returns something cheap, so the loop has a result. */
  readonly run: (n: number) => number;
}

export interface Measured {
  readonly name: string;
  /** Calls per timed run, calibrated from the last warm-up pass. */
  calls: number;
  /** ns per call of every timed round, in round order. */
  readonly samples: number[];
  /** Lengths of every run (warm-up included), in order, for the recording checks. */
  readonly runs: number[];
}

export interface Stats {
  readonly medianNs: number;
  readonly minNs: number;
  readonly maxNs: number;
}

export interface Plan {
  /** Untimed passes over all cases before the rounds, each of `warmupCalls` calls per case. */
  readonly warmupPasses: number;
  readonly warmupCalls: number;
  readonly rounds: number;
  /** Each timed run lasts about this long: calls = targetMs / (ns per call), clamped to [minCalls, maxCalls]. */
  readonly targetMs: number;
  readonly minCalls: number;
  readonly maxCalls: number;
}

let sink = 0;

function collectGarbage(): void {
  globalThis.gc?.();
}

function timed(c: Case, m: Measured, calls: number): number {
  collectGarbage();
  const t0 = process.hrtime.bigint();
  sink += c.run(calls);
  const t1 = process.hrtime.bigint();
  m.runs.push(calls);
  return Number(t1 - t0) / calls;
}

/**
 * Warms every case up in several passes, under the conditions of the timed runs (a full GC before
 * every run; a GC drops V8's on-stack-replacement code, so a loop only runs at full speed from its
 * first iteration once its function has been optimized as a whole, which takes a few invocations).
 * The last pass calibrates the calls per timed run, so that every run lasts about `targetMs` and a
 * slow contestant does not take the whole time budget. Then `rounds` rounds: in each, every case
 * runs once, the order rotating from round to round so that drift (thermal, other load) spreads
 * evenly over the cases.
 */
export function measure(cases: readonly Case[], plan: Plan, progress: (line: string) => void): Map<Case, Measured> {
  const out = new Map<Case, Measured>();
  for (const c of cases) out.set(c, { name: c.name, calls: plan.minCalls, samples: [], runs: [] });
  const warmStarted = process.hrtime.bigint();
  for (let pass = 0; pass < plan.warmupPasses; pass++) {
    for (const c of cases) {
      const m = out.get(c)!;
      const ns = timed(c, m, plan.warmupCalls);
      const calls = Math.round((plan.targetMs * 1e6) / ns / 1000) * 1000;
      m.calls = Math.min(plan.maxCalls, Math.max(plan.minCalls, calls));
    }
  }
  progress(
    `warm-up (${plan.warmupPasses} passes x ${plan.warmupCalls} calls per case) done in ${(Number(process.hrtime.bigint() - warmStarted) / 1e9).toFixed(1)} s`,
  );
  for (let r = 0; r < plan.rounds; r++) {
    const started = process.hrtime.bigint();
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length]!;
      const m = out.get(c)!;
      m.samples.push(timed(c, m, m.calls));
    }
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    progress(`round ${r + 1}/${plan.rounds} done in ${secs.toFixed(1)} s`);
  }
  return out;
}

/** The accumulated loop results; printing it keeps every loop's result observable. */
export function sinkValue(): number {
  return sink;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { medianNs: median, minNs: sorted[0]!, maxNs: sorted[sorted.length - 1]! };
}

/** `3.9x slower`, `0.80x (faster)`, `~1.0x`; `ratio` is the case's median over our SDK's. */
export function formatRatio(ratio: number): string {
  if (ratio >= 1.05) return `${ratio.toFixed(1)}x slower`;
  if (ratio <= 0.95) return `${ratio.toFixed(2)}x (faster)`;
  return '~1.0x';
}

export function formatNs(ns: number): string {
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(1);
}

/** A plain-text table with left-aligned first column and right-aligned others. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
