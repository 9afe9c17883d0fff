#!/usr/bin/env node
/** The package's command: `npx @evil2root/monitoring <command>`. */
import { opsCommand } from './ops.ts';

const [command, ...rest] = process.argv.slice(2);
if (command === 'ops') {
  process.exitCode = opsCommand(rest);
} else {
  console.error(
    'usage: npx @evil2root/monitoring ops <directory> [options]   (writes a ready Prometheus, Alertmanager and Grafana stack; --help for options)',
  );
  process.exitCode = command === undefined || command === '--help' ? 0 : 2;
}
