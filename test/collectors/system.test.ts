import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import type * as FsPromises from 'node:fs/promises';
import { afterEach, mock, test } from 'node:test';
import { parseDefaultRoute, parseMounts, parseNetDev, UTILIZATION_WINDOW_MS } from '../../src/collectors/system.ts';
import { find } from '../helpers/exposition.ts';
import { scrape, start, stopAll } from '../helpers/service.ts';

afterEach(stopAll);

test('parseMounts keeps real file systems once per device and unescapes mount points', () => {
  const mounts = parseMounts(
    [
      '/dev/vda / ext4 rw,relatime 0 0',
      'proc /proc proc rw,nosuid 0 0',
      'tmpfs /dev/shm tmpfs rw 0 0',
      '/dev/vda /etc/hosts ext4 rw,relatime 0 0',
      '/dev/vdb /mnt/my\\040data xfs ro,noatime 0 0',
      '',
    ].join('\n'),
  );
  assert.deepEqual(mounts, [
    { device: '/dev/vda', mountpoint: '/', type: 'ext4', mode: 'rw' },
    { device: '/dev/vdb', mountpoint: '/mnt/my data', type: 'xfs', mode: 'ro' },
  ]);
});

test('parseDefaultRoute picks the up IPv4 default route with the lowest metric, as `ip route` lists it', () => {
  const header = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
  const route = (iface: string, destination: string, flags: string, metric: number, mask: string) =>
    [iface, destination, '010200C0', flags, '0', '0', String(metric), mask, '0', '0', '0'].join('\t');
  assert.equal(
    parseDefaultRoute(
      [
        header,
        route('eth0', '000200C0', '0001', 0, '00FFFFFF'), // a subnet route, not the default
        route('wlan0', '00000000', '0003', 600, '00000000'),
        route('eth1', '00000000', '0002', 50, '00000000'), // down (no RTF_UP)
        route('eth0', '00000000', '0003', 100, '00000000'),
        '',
      ].join('\n'),
    ),
    'eth0',
  );
  assert.equal(parseDefaultRoute(`${header}\n${route('eth0', '000200C0', '0001', 0, '00FFFFFF')}\n`), undefined);
  assert.equal(parseDefaultRoute(''), undefined);
});

test('parseNetDev reads one interface of /proc/net/dev: bytes, errors and drops in both directions', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:    2776      30    0    0    0     0          0         0     2776      30    0    0    0     0       0          0',
    '  eth0: 1066998478 712345    3    7    0     0          0         0  5178816   45678    2    5    0     0       0          0',
    '',
  ].join('\n');
  assert.deepEqual(parseNetDev(text, 'eth0'), {
    rxBytes: 1066998478,
    rxErrors: 3,
    rxDropped: 7,
    txBytes: 5178816,
    txErrors: 2,
    txDropped: 5,
  });
  assert.equal(parseNetDev(text, 'eth1'), undefined);
  assert.equal(parseNetDev(text, 'et'), undefined);
});

test('system metrics: host-metrics names (CPU, memory, network, process) plus disk, load, processes and uptime, read from this machine', async () => {
  const { monitoring } = await start({ systemMetrics: true });
  // CPU utilizations are over windows of at least a second from the start.
  await delay(UTILIZATION_WINDOW_MS);
  const exp = await scrape(monitoring);
  for (const name of [
    'system_cpu_time_total',
    'system_cpu_utilization',
    'system_memory_usage',
    'system_memory_utilization',
    'process_cpu_time_total',
    'process_memory_usage',
    'system_cpu_load_average_1m',
    'system_cpu_load_average_5m',
    'system_cpu_load_average_15m',
    'system_processes',
    'system_uptime',
    'process_uptime',
  ]) {
    assert.ok(find(exp, name).length > 0, `${name} has samples`);
  }
  assert.ok(exp.types.has('system_network_io_total'), 'network io is registered (samples depend on interfaces)');
  const used = find(exp, 'system_memory_usage', { system_memory_state: 'used' })[0]!.value;
  assert.ok(used > 0, 'memory in use is positive');
  const processes = find(exp, 'system_processes')[0]!.value;
  assert.ok(processes >= 1, `process count ${processes} includes this one`);
  assert.ok(find(exp, 'process_uptime')[0]!.value > 0);
  if (process.platform === 'linux') {
    const device = parseDefaultRoute(readFileSync('/proc/net/route', 'utf8'));
    if (device !== undefined) {
      const io = find(exp, 'system_network_io_total', { system_device: device });
      assert.deepEqual(io.map((s) => s.labels['network_io_direction']).sort(), ['receive', 'transmit']);
      assert.ok(
        io.every((s) => Number.isInteger(s.value) && s.value >= 0),
        'byte counters of the default interface',
      );
    }
    const root = find(exp, 'system_filesystem_utilization');
    assert.ok(root.length > 0, 'at least one real file system');
    for (const s of root) assert.ok(s.value >= 0 && s.value <= 1, `utilization ${s.value} in [0, 1]`);
    assert.ok(find(exp, 'system_filesystem_usage', { system_filesystem_state: 'used' }).length > 0);
  }
});

test('scrapes back to back share one reading of the files (process count, network, disks); one a second or more later reads again', async (t) => {
  if (process.platform !== 'linux') return t.skip('the file readings are Linux only');
  // The real readdir, counted: the process count lists /proc once per reading.
  const fsPromises = createRequire(import.meta.url)('node:fs/promises') as typeof FsPromises;
  let procListings = 0;
  const readdir = fsPromises.readdir;
  mock.method(fsPromises, 'readdir', (...args: Parameters<typeof readdir>) => {
    if (args[0] === '/proc') procListings++;
    return readdir(...args);
  });
  syncBuiltinESMExports();
  t.after(() => {
    mock.restoreAll();
    syncBuiltinESMExports();
  });
  const { monitoring } = await start({ systemMetrics: true });
  await scrape(monitoring);
  assert.equal(procListings, 1, 'the first collection reads');
  const started = performance.now();
  const burst = await Promise.all(Array.from({ length: 10 }, () => scrape(monitoring)));
  for (let i = 0; i < 5; i++) await scrape(monitoring);
  const elapsed = performance.now() - started;
  // Fifteen collections; each second they span allows one reading (none when they took under a second).
  assert.ok(
    procListings - 1 <= Math.floor(elapsed / 1000),
    `${procListings - 1} readings for 15 scrapes in ${elapsed.toFixed(0)} ms`,
  );
  assert.ok(
    burst.every((exp) => find(exp, 'system_processes').length === 1),
    'every scrape carries the count',
  );
  await delay(1000);
  const before = procListings;
  await scrape(monitoring);
  assert.equal(procListings, before + 1, 'a collection a second after the last reading reads again');
});

test('CPU utilizations are over a window of at least a second: a collection right after another publishes the same values', async () => {
  const { monitoring } = await start({ systemMetrics: true, dashboard: false });
  await delay(UTILIZATION_WINDOW_MS);
  const utilizations = (exp: Awaited<ReturnType<typeof scrape>>) =>
    ['system_cpu_utilization', 'process_cpu_utilization'].flatMap((name) =>
      find(exp, name).map((s) => `${JSON.stringify(s.labels)} ${s.value}`),
    );
  const first = utilizations(await scrape(monitoring));
  // Busy for a few ms between the two: over so short a window the kernel's 10 ms ticks would read as 0 or as whole CPUs.
  const until = performance.now() + 15;
  while (performance.now() < until);
  const second = utilizations(await scrape(monitoring));
  assert.ok(first.length > 0, 'utilizations are published');
  assert.deepEqual(second, first);
});
