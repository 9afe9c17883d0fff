/** How many export files to keep, for how long and how many bytes in all; undefined means no limit of that kind. */
export interface RetentionPolicy {
  readonly maxFiles: number | undefined;
  readonly maxAgeHours: number | undefined;
  /** The files' total size; the oldest go first, the newest (the one being written) never. */
  readonly maxBytes: number | undefined;
}

/** An export file as the list knows it: its name, the time its data reaches up to, its size. */
export interface RetainedFile {
  readonly name: string;
  readonly time: number;
  bytes: number;
}

/**
 * The export files of one directory, oldest first, kept in memory after one initial listing so
 * that each export costs O(files) at most instead of a readdir. `timeOf` reads the time a file
 * covers up to from its name (undefined: not ours, never touched). Files of the same time sort by
 * name, a shorter name first, so `x.json`, `x_001.json`, ..., `x_999.json`, `x_1000.json` are in order.
 */
export class RetentionList {
  private readonly policy: RetentionPolicy;
  private readonly timeOf: (name: string) => number | undefined;
  private files: RetainedFile[] = [];
  private total = 0;

  constructor(policy: RetentionPolicy, timeOf: (name: string) => number | undefined) {
    this.policy = policy;
    this.timeOf = timeOf;
  }

  /** Whether `name` is an export file of this list's kind. */
  accepts(name: string): boolean {
    return this.timeOf(name) !== undefined;
  }

  /** Replaces the list with the matching files of a directory listing (`bytes` 0 when unknown). */
  reset(files: Iterable<{ readonly name: string; readonly bytes: number }>): void {
    this.files = [];
    this.total = 0;
    for (const { name, bytes } of files) {
      const time = this.timeOf(name);
      if (time === undefined) continue;
      this.files.push({ name, time, bytes });
      this.total += bytes;
    }
    this.files.sort(byTimeThenName);
  }

  /** Records a file just written, or its new size once appended to; a name already listed is not listed twice. */
  add(name: string, bytes: number): void {
    const time = this.timeOf(name);
    if (time === undefined) return;
    const last = this.files.at(-1);
    const known = last?.name === name ? last : undefined;
    if (known !== undefined) {
      this.total += bytes - known.bytes;
      known.bytes = bytes;
      return;
    }
    const file = { name, time, bytes };
    if (last !== undefined && byTimeThenName(last, file) > 0) {
      // The clock went back (or an older file reopened): rare, so a search and a sort are fine here.
      const listed = this.files.find((f) => f.name === name);
      if (listed !== undefined) {
        this.total += bytes - listed.bytes;
        listed.bytes = bytes;
        return;
      }
      this.files.push(file);
      this.files.sort(byTimeThenName);
    } else {
      this.files.push(file);
    }
    this.total += bytes;
  }

  /**
   * Removes and returns the files beyond `maxFiles`, older than `maxAgeHours` at `now`, or beyond
   * `maxBytes` in all, oldest first. The newest file is never among them.
   */
  takeExpired(now: number): RetainedFile[] {
    const { maxFiles, maxAgeHours, maxBytes } = this.policy;
    const oldestKept = maxAgeHours === undefined ? -Infinity : now - maxAgeHours * 3_600_000;
    const deletable = this.files.length - 1;
    let drop = maxFiles === undefined ? 0 : Math.max(0, this.files.length - maxFiles);
    while (drop < deletable && (this.files[drop]?.time ?? Infinity) < oldestKept) drop++;
    let left = this.total;
    for (let i = 0; i < drop; i++) left -= this.files[i]!.bytes;
    if (maxBytes !== undefined) while (drop < deletable && left > maxBytes) left -= this.files[drop++]!.bytes;
    drop = Math.min(drop, Math.max(0, deletable));
    const taken = this.files.splice(0, drop);
    for (const f of taken) this.total -= f.bytes;
    return taken;
  }

  /** Removes `name` from the list (a file listed before it was written, whose write failed). */
  forget(name: string): void {
    const i = this.files.findIndex((f) => f.name === name);
    if (i === -1) return;
    this.total -= this.files[i]!.bytes;
    this.files.splice(i, 1);
  }

  /** Puts back files whose deletion failed, so the next export tries again. */
  restore(files: readonly RetainedFile[]): void {
    if (files.length === 0) return;
    for (const f of files) this.total += f.bytes;
    this.files = [...files, ...this.files].sort(byTimeThenName);
  }

  /** The size recorded for `name`, undefined when it is not listed. */
  bytesOf(name: string): number | undefined {
    for (let i = this.files.length - 1; i >= 0; i--) if (this.files[i]!.name === name) return this.files[i]!.bytes;
    return undefined;
  }

  /** The listed names, oldest first. */
  get names(): string[] {
    return this.files.map((f) => f.name);
  }

  /** The listed files' total size. */
  get totalBytes(): number {
    return this.total;
  }
}

function byTimeThenName(a: { name: string; time: number }, b: { name: string; time: number }): number {
  return a.time - b.time || a.name.length - b.name.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
