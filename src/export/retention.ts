/** How many export files to keep and for how long; undefined means no limit of that kind. */
export interface RetentionPolicy {
  readonly maxFiles: number | undefined;
  readonly maxAgeHours: number | undefined;
}

/**
 * The export files of one directory, oldest first, kept in memory after one initial listing so
 * that each export costs O(files) at most instead of a readdir. `timeOf` reads the time a file
 * covers up to from its name (undefined: not ours, never touched).
 */
export class RetentionList {
  private readonly policy: RetentionPolicy;
  private readonly timeOf: (name: string) => number | undefined;
  private files: { name: string; time: number }[] = [];

  constructor(policy: RetentionPolicy, timeOf: (name: string) => number | undefined) {
    this.policy = policy;
    this.timeOf = timeOf;
  }

  /** Replaces the list with the matching names of a directory listing. */
  reset(names: Iterable<string>): void {
    this.files = [];
    for (const name of names) {
      const time = this.timeOf(name);
      if (time !== undefined) this.files.push({ name, time });
    }
    this.files.sort(byTimeThenName);
  }

  /** Records a file just written; a name already listed (a day's file appended to) is not listed twice. */
  add(name: string): void {
    const time = this.timeOf(name);
    if (time === undefined) return;
    const last = this.files.at(-1);
    if (last?.name === name) return;
    if (last !== undefined && byTimeThenName(last, { name, time }) > 0) {
      // The clock went back (or the day's file reopened): rare, so a sort is fine here.
      if (this.files.some((f) => f.name === name)) return;
      this.files.push({ name, time });
      this.files.sort(byTimeThenName);
    } else {
      this.files.push({ name, time });
    }
  }

  /** Removes and returns the names beyond `maxFiles` or older than `maxAgeHours` at `now`, oldest first. */
  takeExpired(now: number): string[] {
    const { maxFiles, maxAgeHours } = this.policy;
    const oldestKept = maxAgeHours === undefined ? -Infinity : now - maxAgeHours * 3_600_000;
    let drop = maxFiles === undefined ? 0 : Math.max(0, this.files.length - maxFiles);
    while (drop < this.files.length && (this.files[drop]?.time ?? Infinity) < oldestKept) drop++;
    return this.files.splice(0, drop).map((f) => f.name);
  }

  /** Puts back names whose deletion failed, so the next export tries again. */
  restore(names: readonly string[]): void {
    if (names.length === 0) return;
    const back: { name: string; time: number }[] = [];
    for (const name of names) {
      const time = this.timeOf(name);
      if (time !== undefined) back.push({ name, time });
    }
    this.files = [...back, ...this.files].sort(byTimeThenName);
  }

  /** The listed names, oldest first. */
  get names(): string[] {
    return this.files.map((f) => f.name);
  }
}

function byTimeThenName(a: { name: string; time: number }, b: { name: string; time: number }): number {
  return a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
