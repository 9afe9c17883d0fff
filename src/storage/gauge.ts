import type { Attributes } from '@opentelemetry/api';
import { renderLabels, type SeriesTable } from './series.ts';

/** The last value set for one label set; NaN until set. */
export class GaugeSeries {
  readonly attributes: Attributes;
  /** The label pairs as the exposition writes them, rendered once (see `renderLabels`). */
  readonly labelText: string;
  value = Number.NaN;
  epoch = 0;

  constructor(attributes: Attributes) {
    this.attributes = attributes;
    this.labelText = renderLabels(attributes);
  }
}

/**
 * A gauge whose whole set of series can be replaced by one update: `beginUpdate()` opens a new
 * epoch, and a series not set since then reads `absentValue` (0, or NaN for "not published").
 * That costs O(1) per update instead of a pass over every series.
 */
export class Gauge {
  readonly table: SeriesTable<GaugeSeries>;
  readonly absentValue: number;
  epoch = 0;

  constructor(table: SeriesTable<GaugeSeries>, absentValue = Number.NaN) {
    this.table = table;
    this.absentValue = absentValue;
  }

  beginUpdate(): void {
    this.epoch++;
  }

  set(series: GaugeSeries, value: number): void {
    series.value = value;
    series.epoch = this.epoch;
  }

  /** The value a reader sees now; NaN means the series is not published. */
  read(series: GaugeSeries): number {
    return series.epoch === this.epoch ? series.value : this.absentValue;
  }
}
