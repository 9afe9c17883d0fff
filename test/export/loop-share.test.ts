/**
 * The loop share of the exposition: against a bot that keeps the event loop busy, charged work is
 * followed by time left to the bot (timer waits, many of its turns); on an idle loop nothing waits.
 * Counts of turns and waits, no durations, are asserted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoopShare, loopClock } from '../../src/export/loop-share.ts';

/** A bot that works 1 ms of CPU time in every turn of the event loop until stopped; counts its turns. */
function busyBot() {
  const bot = { turns: 0, running: true };
  const turn = () => {
    const until = loopClock() + 1;
    while (loopClock() < until);
    bot.turns++;
    if (bot.running) setImmediate(turn);
  };
  setImmediate(turn);
  return bot;
}

test('against a busy loop, work past the burst waits until the rest of the loop had its share', async () => {
  const share = new LoopShare(0.25);
  const bot = busyBot();
  try {
    // Ten slices of 10 ms of charged work: 100 ms, which owes the bot 300 ms at a quarter share.
    for (let i = 0; i < 10; i++) {
      share.charge(10);
      await share.yield();
    }
    await share.admit();
  } finally {
    bot.running = false;
  }
  assert.ok(share.waits > 0, 'it waited on a timer');
  // One turn per slice without the share; with it, the waits leave the bot several per slice (how
  // many depends on how much of the machine the test gets, hence the low bar).
  assert.ok(bot.turns >= 30, `the bot ran ${bot.turns} turns for 10 slices`);
});

test('on an idle loop, it never waits', async () => {
  const share = new LoopShare(0.25);
  for (let i = 0; i < 200; i++) {
    share.charge(2);
    await share.yield();
  }
  await share.admit();
  assert.equal(share.waits, 0);
});
