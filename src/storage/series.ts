import type { Attributes } from '@opentelemetry/api';
import type { MetricDefinition } from '../contract/metrics.ts';

/** Attribute the OpenTelemetry specification gives to the series that collects what passed a cardinality limit. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

const INVALID_NAME_CHARS = /[^a-zA-Z0-9_]/g;
const REPEATED_UNDERSCORES = /_{2,}/g;
const LABEL_VALUE_ESCAPES = /[\\\n"]/;

/** A label value as the Prometheus text and OpenMetrics formats write it: backslash, newline and double quote escaped. */
function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_ESCAPES.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The label pairs of a series as the Prometheus text and OpenMetrics formats write them
 * (`symbol="BTC/USD",direction="buy"`), rendered once when the series is created so that a scrape
 * only concatenates. Written as OpenTelemetry's serializer writes attributes: names sanitized,
 * values escaped, non-string values JSON-encoded (the overflow series: `otel_metric_overflow="true"`).
 */
export function renderLabels(attributes: Attributes): string {
  let text = '';
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    const name = key.replace(INVALID_NAME_CHARS, '_').replace(REPEATED_UNDERSCORES, '_');
    text += `${text === '' ? '' : ','}${name}="${escapeLabelValue(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))}"`;
  }
  return text;
}

/** Called once per measurement folded into the overflow series. */
export type OverflowListener = (def: MetricDefinition) => void;

type Node = Map<string, unknown>;

/**
 * The label sets of one metric, found by walking one Map per label with the label values as keys:
 * no key string is built and nothing is hashed beyond the strings' own cached hashes, so a lookup
 * of an existing series allocates nothing. Holds at most `maxSeries` series; past that every new
 * label set maps to one overflow series and the listener is told.
 */
export class SeriesTable<S> {
  readonly def: MetricDefinition;
  /** Series in creation order; the overflow series, once created, is last-added but kept apart. */
  readonly series: S[] = [];
  overflow: S | undefined;
  private readonly root: Node = new Map();
  private readonly single: S | undefined;
  private readonly create: (attributes: Attributes) => S;
  private readonly maxSeries: number;
  private readonly onOverflow: OverflowListener;

  constructor(
    def: MetricDefinition,
    maxSeries: number,
    create: (attributes: Attributes) => S,
    onOverflow: OverflowListener,
  ) {
    this.def = def;
    this.create = create;
    this.maxSeries = maxSeries;
    this.onOverflow = onOverflow;
    if (def.labels.length === 0) {
      this.single = create(Object.freeze({}));
      this.series.push(this.single);
    }
  }

  get size(): number {
    return this.series.length;
  }

  /** The series of a metric without labels. */
  get0(): S {
    return this.single as S;
  }

  get1(a: string): S {
    const s = this.root.get(a) as S | undefined;
    return s === undefined ? this.add([a]) : s;
  }

  get2(a: string, b: string): S {
    const n = this.root.get(a) as Node | undefined;
    if (n !== undefined) {
      const s = n.get(b) as S | undefined;
      if (s !== undefined) return s;
    }
    return this.add([a, b]);
  }

  get3(a: string, b: string, c: string): S {
    const n1 = this.root.get(a) as Node | undefined;
    if (n1 !== undefined) {
      const n2 = n1.get(b) as Node | undefined;
      if (n2 !== undefined) {
        const s = n2.get(c) as S | undefined;
        if (s !== undefined) return s;
      }
    }
    return this.add([a, b, c]);
  }

  get4(a: string, b: string, c: string, d: string): S {
    const n1 = this.root.get(a) as Node | undefined;
    if (n1 !== undefined) {
      const n2 = n1.get(b) as Node | undefined;
      if (n2 !== undefined) {
        const n3 = n2.get(c) as Node | undefined;
        if (n3 !== undefined) {
          const s = n3.get(d) as S | undefined;
          if (s !== undefined) return s;
        }
      }
    }
    return this.add([a, b, c, d]);
  }

  get5(a: string, b: string, c: string, d: string, e: string): S {
    const n4 = this.find([a, b, c, d]) as Node | undefined;
    const s = n4?.get(e) as S | undefined;
    return s === undefined ? this.add([a, b, c, d, e]) : s;
  }

  /** The series of these label values if it exists, without creating it. */
  find(values: readonly string[]): S | undefined {
    let node: unknown = this.root;
    for (const v of values) {
      if (!(node instanceof Map)) return undefined;
      node = node.get(v);
    }
    return node as S | undefined;
  }

  /** The series of these label values, created if new (or the overflow series past the cap). */
  lookup(values: readonly string[]): S {
    if (this.single !== undefined && values.length === 0) return this.single;
    return (this.find(values) as S | undefined) ?? this.add(values);
  }

  /** The overflow series, created if needed (restoring a saved one). */
  overflowSeries(): S {
    return (this.overflow ??= this.create(OVERFLOW_ATTRIBUTES));
  }

  private add(values: readonly string[]): S {
    const labels = this.def.labels;
    if (values.length !== labels.length) {
      throw new Error(`${this.def.name} takes ${labels.length} label values, got ${values.length}`);
    }
    if (this.series.length >= this.maxSeries) {
      this.onOverflow(this.def);
      return (this.overflow ??= this.create(OVERFLOW_ATTRIBUTES));
    }
    const attributes: Record<string, string> = {};
    for (let i = 0; i < labels.length; i++) attributes[labels[i] as string] = values[i] as string;
    const s = this.create(Object.freeze(attributes));
    let node = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      const key = values[i] as string;
      let next = node.get(key) as Node | undefined;
      if (next === undefined) node.set(key, (next = new Map()));
      node = next;
    }
    node.set(values[values.length - 1] as string, s);
    this.series.push(s);
    return s;
  }
}
