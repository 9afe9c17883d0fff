import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Meter, MeterProvider } from '@opentelemetry/api';

/** Which outgoing-call instrumentations are on: `http` (node:http/https clients), `fetch` (undici, Node's global fetch). */
export interface AutoInstrumentSelection {
  readonly http: boolean;
  readonly fetch: boolean;
}

/** What we use of an OpenTelemetry instrumentation. */
export interface InstrumentationLike {
  setMeterProvider(provider: MeterProvider): void;
}

/** The two instrumentation classes, passed in so that only their users load them. */
export interface InstrumentationClasses {
  HttpInstrumentation: new (config: { disableIncomingRequestInstrumentation: boolean }) => InstrumentationLike;
  UndiciInstrumentation: new () => InstrumentationLike;
}

interface Slot {
  http?: InstrumentationLike;
  fetch?: InstrumentationLike;
  /** Turned on by the register entry point: attached by any later init, whatever its options. */
  registered: { http: boolean; fetch: boolean };
  attachedTo?: MeterProvider;
}

// On globalThis, so that the register entry point, the ESM build and the CommonJS build share one set (patching twice would nest the wrappers).
const SLOT = Symbol.for('@evil2root/monitoring.instrumentations');
const slot: Slot = ((globalThis as Record<symbol, Slot>)[SLOT] ??= { registered: { http: false, fetch: false } });

/** Records nothing (`createNoopMeter()` of `@opentelemetry/api`, without loading it at start). */
const NOOP_INSTRUMENT = Object.freeze({ add() {}, record() {}, addCallback() {}, removeCallback() {} });
const NOOP_METER: Meter = {
  createGauge: () => NOOP_INSTRUMENT,
  createHistogram: () => NOOP_INSTRUMENT,
  createCounter: () => NOOP_INSTRUMENT,
  createUpDownCounter: () => NOOP_INSTRUMENT,
  createObservableGauge: () => NOOP_INSTRUMENT,
  createObservableCounter: () => NOOP_INSTRUMENT,
  createObservableUpDownCounter: () => NOOP_INSTRUMENT,
  addBatchObservableCallback: () => {},
  removeBatchObservableCallback: () => {},
};
const NOOP_PROVIDER: MeterProvider = { getMeter: () => NOOP_METER };

/** Instrumentation names of `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS` (as in auto-instrumentations-node). */
const ENV_NAMES: Record<string, keyof AutoInstrumentSelection> = { http: 'http', undici: 'fetch', fetch: 'fetch' };

/** The selection of the register entry point: both, narrowed by the standard `OTEL_NODE_ENABLED_INSTRUMENTATIONS` and `OTEL_NODE_DISABLED_INSTRUMENTATIONS` (comma-separated; `http`, `undici`). */
export function selectionFromEnvironment(env: Readonly<Record<string, string | undefined>>): AutoInstrumentSelection {
  const list = (value: string | undefined) =>
    value === undefined || value.trim() === ''
      ? undefined
      : value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  const enabled = list(env['OTEL_NODE_ENABLED_INSTRUMENTATIONS']);
  const disabled = new Set(list(env['OTEL_NODE_DISABLED_INSTRUMENTATIONS']) ?? []);
  const on = { http: true, fetch: true };
  if (enabled !== undefined) {
    on.http = false;
    on.fetch = false;
    for (const name of enabled) {
      const key = ENV_NAMES[name];
      if (key !== undefined) on[key] = true;
    }
  }
  for (const name of disabled) {
    const key = ENV_NAMES[name];
    if (key !== undefined) on[key] = false;
  }
  return on;
}

/** `autoInstrument` option to a selection. */
export function selectionOf(
  option: boolean | { http?: boolean; fetch?: boolean } | undefined,
): AutoInstrumentSelection {
  if (option === true) return { http: true, fetch: true };
  if (option === false || option === undefined) return { http: false, fetch: false };
  return { http: option.http ?? true, fetch: option.fetch ?? true };
}

/**
 * Creates (once per process) and enables the selected instrumentations, with no MeterProvider yet
 * (their measurements are dropped until `attachInstrumentations`). node:http and node:https are
 * patched in place at once, and the named exports of their ES modules re-synced, so that code that
 * loaded them earlier sees the patch too; fetch needs no patch (undici's diagnostics channels).
 */
export function enableInstrumentations(
  classes: InstrumentationClasses,
  which: AutoInstrumentSelection,
  fromRegister: boolean,
): void {
  if (which.http && slot.http === undefined) {
    // The server side stays off: the bot's own server is measured by the Express/Fastify middleware, with routes.
    slot.http = new classes.HttpInstrumentation({ disableIncomingRequestInstrumentation: true });
    // require-in-the-middle patches a module when it is required: require them now, through Module.prototype.require.
    const require = createRequire(`${process.cwd()}/`);
    require('node:http');
    require('node:https');
    syncBuiltinESMExports();
  }
  if (which.fetch && slot.fetch === undefined) slot.fetch = new classes.UndiciInstrumentation();
  if (fromRegister) {
    slot.registered.http ||= which.http;
    slot.registered.fetch ||= which.fetch;
  }
}

/** Loads the instrumentation packages (only when asked for: they are not imported by the main entry) and enables them. */
export async function loadInstrumentations(which: AutoInstrumentSelection): Promise<void> {
  if (!which.http && !which.fetch) return;
  const [http, undici] = await Promise.all([
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  enableInstrumentations(
    { HttpInstrumentation: http.HttpInstrumentation, UndiciInstrumentation: undici.UndiciInstrumentation },
    which,
    false,
  );
}

/** What the register entry point turned on. */
export function registeredSelection(): AutoInstrumentSelection {
  return { ...slot.registered };
}

/** Points the selected instrumentations (if enabled) at `provider`, the others at nothing; returns the selection attached. */
export function attachInstrumentations(
  provider: MeterProvider,
  which: AutoInstrumentSelection,
): AutoInstrumentSelection {
  slot.attachedTo = provider;
  slot.http?.setMeterProvider(which.http ? provider : NOOP_PROVIDER);
  slot.fetch?.setMeterProvider(which.fetch ? provider : NOOP_PROVIDER);
  return { http: which.http && slot.http !== undefined, fetch: which.fetch && slot.fetch !== undefined };
}

/** At shutdown: the instrumentations stay patched (undoing a patch others may hold is worse) but record nothing until the next init. */
export function detachInstrumentations(provider: MeterProvider): void {
  if (slot.attachedTo !== provider) return;
  slot.attachedTo = undefined;
  slot.http?.setMeterProvider(NOOP_PROVIDER);
  slot.fetch?.setMeterProvider(NOOP_PROVIDER);
}
