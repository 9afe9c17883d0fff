/** Regression error measures over paired predictions and outcomes. */

/** Root mean squared error; undefined for no pairs. */
export function rmse(predicted: readonly number[], actual: readonly number[]): number | undefined {
  checkLengths(predicted, actual);
  if (predicted.length === 0) return undefined;
  let sse = 0;
  for (let i = 0; i < predicted.length; i++) {
    const e = predicted[i]! - actual[i]!;
    sse += e * e;
  }
  return Math.sqrt(sse / predicted.length);
}

/** Mean absolute error; undefined for no pairs. */
export function mae(predicted: readonly number[], actual: readonly number[]): number | undefined {
  checkLengths(predicted, actual);
  if (predicted.length === 0) return undefined;
  let sae = 0;
  for (let i = 0; i < predicted.length; i++) sae += Math.abs(predicted[i]! - actual[i]!);
  return sae / predicted.length;
}

function checkLengths(predicted: readonly number[], actual: readonly number[]): void {
  if (predicted.length !== actual.length) {
    throw new RangeError(`predicted and actual differ in length (${predicted.length} vs ${actual.length})`);
  }
}
