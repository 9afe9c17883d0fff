import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as source from '../../src/index.ts';

// An application can load both builds of the package (an `import` here, a `require` in a
// dependency): the error classes must then recognise each other's errors. These tests run against
// the built output, which `npm test` builds before running the tests.

type Lib = typeof source;
type Kind = 'MonitoringInputError' | 'MonitoringConfigError' | 'MonitoringStateError';

const KINDS: readonly Kind[] = ['MonitoringInputError', 'MonitoringConfigError', 'MonitoringStateError'];
const CODES: Record<Kind, string> = {
  MonitoringInputError: 'ERR_MONITORING_INPUT',
  MonitoringConfigError: 'ERR_MONITORING_CONFIG',
  MonitoringStateError: 'ERR_MONITORING_STATE',
};

const ESM_ENTRY = new URL('../../dist/esm/index.js', import.meta.url);
const CJS_ENTRY = new URL('../../dist/cjs/index.js', import.meta.url);

let esm: Lib;
let cjs: Lib;
let copies: { label: string; lib: Lib }[];

before(async () => {
  for (const entry of [ESM_ENTRY, CJS_ENTRY]) {
    if (!existsSync(entry))
      throw new Error(
        `${fileURLToPath(entry)} is missing: run \`npm run build\` first (npm test builds before testing)`,
      );
  }
  // A variable specifier keeps the type checker away from dist/, which may not exist when it runs.
  const esmSpecifier: string = ESM_ENTRY.href;
  esm = (await import(esmSpecifier)) as Lib;
  cjs = createRequire(import.meta.url)(fileURLToPath(CJS_ENTRY)) as Lib;
  assert.notEqual(
    esm.MonitoringConfigError,
    cjs.MonitoringConfigError,
    'the two builds must be distinct copies for this test to mean anything',
  );
  copies = [
    { label: 'esm', lib: esm },
    { label: 'cjs', lib: cjs },
    { label: 'source', lib: source },
  ];
});

/** Asserts `error` is a `kind` for every copy of the package, has its code, and is none of the other kinds. */
function assertKind(error: unknown, kind: Kind, origin: string): void {
  assert.ok(error instanceof Error, `${origin}: instanceof Error`);
  assert.equal((error as { code?: unknown }).code, CODES[kind], `${origin}: code`);
  assert.equal((error as Error).name, kind, `${origin}: name`);
  for (const { label, lib } of copies) {
    for (const other of KINDS) {
      assert.equal(error instanceof lib[other], other === kind, `${origin} error instanceof ${label} ${other}`);
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected a throw');
}

test('ERROR_CODES lists the three codes, frozen, in both builds', () => {
  for (const { lib } of copies) {
    assert.deepEqual(
      { ...lib.ERROR_CODES },
      {
        ERR_MONITORING_INPUT: 'ERR_MONITORING_INPUT',
        ERR_MONITORING_CONFIG: 'ERR_MONITORING_CONFIG',
        ERR_MONITORING_STATE: 'ERR_MONITORING_STATE',
      },
    );
    assert.ok(Object.isFrozen(lib.ERROR_CODES));
  }
});

test('a MonitoringConfigError rejected by either build is a MonitoringConfigError of every copy', async () => {
  for (const { label, lib } of [
    { label: 'esm', lib: esm },
    { label: 'cjs', lib: cjs },
  ]) {
    const error = await rejection(lib.initEnhancedMonitoring({ port: 'x' as never }));
    assertKind(error, 'MonitoringConfigError', label);
    assert.equal((error as source.MonitoringConfigError).option, 'port');
  }
});

test('a strict-mode MonitoringInputError thrown by either build is a MonitoringInputError of every copy', async () => {
  for (const { label, lib } of [
    { label: 'esm', lib: esm },
    { label: 'cjs', lib: cjs },
  ]) {
    const service = await lib.initEnhancedMonitoring({
      port: false,
      strict: true,
      systemMetrics: false,
      dashboard: false,
      logger: lib.silentLogger,
    });
    try {
      const error = thrown(() => service.recordTradingSignal({} as never));
      assertKind(error, 'MonitoringInputError', label);
      const input = error as source.MonitoringInputError;
      assert.equal(input.method, 'recordTradingSignal');
      assert.equal(input.reason, 'missing_field');
    } finally {
      await service.shutdown();
    }
  }
});

test('a MonitoringStateError thrown by either build is a MonitoringStateError of every copy', async () => {
  for (const { label, lib } of [
    { label: 'esm', lib: esm },
    { label: 'cjs', lib: cjs },
  ]) {
    assertKind(
      thrown(() => lib.getMonitoringService()),
      'MonitoringStateError',
      `${label} getMonitoringService`,
    );
  }
  // The builds share the running instance, so a second init through the other build is refused too.
  const service = await esm.initEnhancedMonitoring({
    port: false,
    systemMetrics: false,
    dashboard: false,
    logger: esm.silentLogger,
  });
  try {
    assertKind(await rejection(cjs.initEnhancedMonitoring({ port: false })), 'MonitoringStateError', 'cjs second init');
  } finally {
    await service.shutdown();
  }
});

test('errors constructed by each copy are recognised by the others', () => {
  for (const { label, lib } of copies) {
    assertKind(
      new lib.MonitoringInputError('recordExecutedTrade', 'not_finite', 'pnl', 'pnl is NaN'),
      'MonitoringInputError',
      label,
    );
    assertKind(new lib.MonitoringConfigError('bad', 'port'), 'MonitoringConfigError', label);
    assertKind(new lib.MonitoringStateError('not initialized'), 'MonitoringStateError', label);
  }
});

test('constructors, fields and messages are unchanged', () => {
  const input = new esm.MonitoringInputError('recordExecutedTrade', 'not_finite', 'pnl', 'pnl is NaN');
  assert.equal(input.message, 'recordExecutedTrade: pnl is NaN');
  assert.deepEqual([input.method, input.reason, input.field], ['recordExecutedTrade', 'not_finite', 'pnl']);
  const cause = new Error('EADDRINUSE');
  const config = new cjs.MonitoringConfigError('cannot listen', 'port', { cause });
  assert.deepEqual([config.message, config.option, config.cause], ['cannot listen', 'port', cause]);
  assert.equal(new cjs.MonitoringConfigError('no option').option, undefined);
  assert.equal(new esm.MonitoringStateError('late').message, 'late');
  // The brand is not an own property: it stays out of Object.keys, JSON and util.inspect.
  assert.deepEqual(Object.getOwnPropertySymbols(config), []);
});

test('look-alikes are not instances', () => {
  const fakes: unknown[] = [
    new Error('ERR_MONITORING_CONFIG'),
    Object.assign(new Error('x'), { code: 'ERR_MONITORING_CONFIG', name: 'MonitoringConfigError' }),
    { code: 'ERR_MONITORING_CONFIG' },
    { code: 'ERR_MONITORING_INPUT', name: 'MonitoringInputError' },
    Object.create(Error.prototype),
    'ERR_MONITORING_STATE',
    null,
    undefined,
    42,
  ];
  for (const fake of fakes) {
    for (const { label, lib } of copies) {
      for (const kind of KINDS)
        assert.equal(fake instanceof lib[kind], false, `${String(fake)} instanceof ${label} ${kind}`);
    }
  }
});

test('subclasses keep ordinary instanceof semantics', () => {
  class PortError extends esm.MonitoringConfigError {}
  const sub = new PortError('port taken', 'port');
  assert.ok(sub instanceof PortError);
  assert.ok(sub instanceof Error);
  assert.equal(sub.code, 'ERR_MONITORING_CONFIG');
  assertKind(sub, 'MonitoringConfigError', 'subclass');
  // The subclass inherits the static Symbol.hasInstance but does not claim its base's instances.
  assert.equal(new esm.MonitoringConfigError('x') instanceof PortError, false);
  assert.equal(new cjs.MonitoringConfigError('x') instanceof PortError, false);
});
