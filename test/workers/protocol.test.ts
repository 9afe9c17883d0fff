import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chunk, EntryReader, MAX_SHAPES, ShapeTable, type Entry } from '../../src/workers/copy.ts';
import { decodeJson, encodeJson } from '../../src/workers/protocol.ts';

/** Writes `calls` as a worker does and reads them back as the primary does, through `travel`. */
function roundTrip(calls: readonly unknown[], travel: (chunk: Chunk) => ReturnType<Chunk['columns']>): Entry[] {
  const shapes = new ShapeTable();
  const chunk = new Chunk(4);
  calls.forEach((argument, i) => shapes.write(chunk, i % 3, 1_700_000_000_000 + i, argument));
  const reader = new EntryReader(travel(chunk), shapes.keys);
  const read: Entry[] = [];
  for (let entry: Entry = { code: 0, at: 0, argument: undefined }; reader.next(entry); entry = { ...entry })
    read.push(entry);
  assert.equal(reader.unreadable, false);
  return read;
}

const when = new Date(1_700_000_123_456);
const CALLS: unknown[] = [
  { symbol: 'BTC/USD', direction: 'buy', pnl: Number.NaN, fees: -0, quantity: Infinity, closedAt: when },
  { symbol: 'ETH/USD', direction: 'sell', pnl: -Infinity, fees: undefined, closedAt: when.getTime() },
  'loop',
  undefined,
  { portfolioValue: 1.5, openPositions: { 'BTC/USD': { buy: 2, sell: 0 } } },
  { symbol: 'BTC/USD', direction: 'buy', pnl: 1, closedAt: new Date(Number.NaN) },
  // Another key order is another shape.
  { direction: 'buy', symbol: 'SOL/USD', success: true },
];

for (const [name, travel] of [
  ['structured clone', (chunk: Chunk) => structuredClone(chunk.columns())],
  [
    'JSON (the json IPC serialization)',
    (chunk: Chunk) => decodeJson(JSON.parse(JSON.stringify(encodeJson(chunk.columns()))) as string),
  ],
] as const) {
  test(`a batch read back after ${name} holds the very values recorded: NaN, -0, ±Infinity, undefined, Dates, nested records`, () => {
    const read = roundTrip(CALLS, travel);
    assert.equal(read.length, CALLS.length);
    read.forEach((entry, i) => {
      assert.equal(entry.code, i % 3);
      assert.equal(entry.at, 1_700_000_000_000 + i);
      assert.deepStrictEqual(entry.argument, CALLS[i]);
    });
    const first = read[0]?.argument as Record<string, unknown>;
    assert.ok(Object.is(first['fees'], -0));
    assert.ok(Object.is(first['pnl'], Number.NaN));
    assert.ok('fees' in (read[1]?.argument as object), 'a field set to undefined is still there');
  });
}

test('a value that cannot travel refuses the call, with the reason the service gives it; a getter runs once', () => {
  class Trade {
    symbol = 'BTC/USD';
  }
  let reads = 0;
  const withGetter = {
    symbol: 'BTC/USD',
    get direction() {
      reads++;
      return 'buy';
    },
    success: true,
  };
  const read = roundTrip(
    [new Trade(), { symbol: 'BTC/USD', meta: new Map() }, { symbol: () => 'x' }, withGetter],
    (c) => structuredClone(c.columns()),
  );
  assert.deepEqual(
    read.slice(0, 3).map((e) => [e.code, e.argument]),
    [
      [-1, ['not_object', 'argument']],
      [-2, ['wrong_type', 'meta']],
      [-3, ['wrong_type', 'symbol']],
    ],
  );
  assert.deepEqual(read[3]?.argument, { symbol: 'BTC/USD', direction: 'buy', success: true });
  assert.equal(reads, 1);
});

test('past MAX_SHAPES key lists, an object travels as one copied value, its strings, numbers and others intact', () => {
  const calls = Array.from({ length: MAX_SHAPES + 20 }, (_, i) => ({
    [`field${i}`]: `value-${i % 3}`,
    symbol: 'BTC/USD',
    pnl: i - 0.5,
    ok: i % 2 === 0,
  }));
  const read = roundTrip(calls, (c) => structuredClone(c.columns()));
  assert.deepStrictEqual(
    read.map((e) => e.argument),
    calls,
  );
});

test('a chunk reused for the next batch holds only its new calls', () => {
  const shapes = new ShapeTable();
  const chunk = new Chunk(2);
  shapes.write(chunk, 0, Number.NaN, { symbol: 'ETH/USD', pnl: 1 });
  const first = structuredClone(chunk.columns(true));
  chunk.reset();
  shapes.write(chunk, 1, 1_700_000_000_000, { symbol: 'SOL/USD', pnl: 2 });
  const reader = new EntryReader(chunk.columns(), shapes.keys);
  const entry: Entry = { code: 0, at: 0, argument: undefined };
  assert.ok(reader.next(entry));
  assert.deepStrictEqual(entry, { code: 1, at: 1_700_000_000_000, argument: { symbol: 'SOL/USD', pnl: 2 } });
  assert.equal(reader.next(entry), false);
  const again = new EntryReader(first, shapes.keys);
  assert.ok(again.next(entry));
  assert.deepStrictEqual(entry.argument, { symbol: 'ETH/USD', pnl: 1 });
  assert.ok(Number.isNaN(entry.at));
});

test('strings read back right: many distinct values per field, objects wider than the room a call reserves', () => {
  const calls = Array.from({ length: 60 }, (_, i) =>
    Object.fromEntries(Array.from({ length: 20 }, (_, f) => [`f${f}`, `s${(i * (f + 1)) % 11}`])),
  );
  const read = roundTrip(calls, (c) => structuredClone(c.columns(true)));
  assert.deepStrictEqual(
    read.map((e) => e.argument),
    calls,
  );
});

test('a method whose objects change width reads back right: columns grown within a call, a refusal after the growth rewound', () => {
  const wide = (i: number) => Object.fromEntries(Array.from({ length: 40 }, (_, f) => [`n${f}`, i * 100 + f + 0.25]));
  const refusedLate = { ...wide(7), late: () => 0 };
  // Method i % 3: every third call is the same method, narrow then wide then narrow, so its cached shape is too short.
  const calls: unknown[] = [
    { a: 1 },
    { b: 'x' },
    { c: true },
    wide(1),
    wide(2),
    wide(3),
    refusedLate,
    { b: 'y' },
    { c: null },
  ];
  const read = roundTrip(calls, (c) => structuredClone(c.columns()));
  assert.equal(read.length, calls.length);
  read.forEach((entry, i) => {
    if (i === 6) assert.deepStrictEqual([entry.code, entry.argument], [-1, ['wrong_type', 'late']]);
    else assert.deepStrictEqual([entry.code, entry.at, entry.argument], [i % 3, 1_700_000_000_000 + i, calls[i]]);
  });
});
