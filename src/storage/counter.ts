import type { Attributes } from '@opentelemetry/api';
import { renderLabels } from './series.ts';

/** A monotonic sum for one label set; callers add with `value += n`. */
export class CounterSeries {
  readonly attributes: Attributes;
  /** The label pairs as the exposition writes them, rendered once (see `renderLabels`). */
  readonly labelText: string;
  value = 0;

  constructor(attributes: Attributes) {
    this.attributes = attributes;
    this.labelText = renderLabels(attributes);
  }
}
