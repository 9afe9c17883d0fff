import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { parseMounts } from '../../src/collectors/system.ts';
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

test('system metrics: host-metrics instrumentation plus disk, load, processes and uptime, read from this machine', async () => {
  const { monitoring } = await start({ systemMetrics: true });
  await scrape(monitoring); // the first collection primes CPU utilization deltas
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
    const root = find(exp, 'system_filesystem_utilization');
    assert.ok(root.length > 0, 'at least one real file system');
    for (const s of root) assert.ok(s.value >= 0 && s.value <= 1, `utilization ${s.value} in [0, 1]`);
    assert.ok(find(exp, 'system_filesystem_usage', { system_filesystem_state: 'used' }).length > 0);
  }
});
