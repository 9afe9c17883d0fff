/** The value if it is a finite number, else undefined: the streaming classes never publish NaN or ±Infinity. */
export function finiteOrUndefined(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}
