import type { Attributes } from '@opentelemetry/api';

/** A monotonic sum for one label set; callers add with `value += n`. */
export class CounterSeries {
  readonly attributes: Attributes;
  value = 0;

  constructor(attributes: Attributes) {
    this.attributes = attributes;
  }
}
