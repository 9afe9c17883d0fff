/**
 * `node --import @evil2root/monitoring/register app.js` (ES modules) or
 * `node --require @evil2root/monitoring/register app.js` (CommonJS): turns on the outgoing-call
 * instrumentations before the bot's code runs, so every node:http/https request and every `fetch`
 * gets `http.client.request.duration`. They record into the MeterProvider of the monitoring
 * started next: by the bot (`initEnhancedMonitoring`, any options) or, when `MONITORING_CONFIG`
 * names a JSON file or an options module, here, with those options and the `OTEL_*` variables.
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS` (`http`, `undici`)
 * narrow the selection.
 *
 * No loader hook is registered: node:http is a built-in patched in place (and its ES module named
 * exports re-synced), and fetch is observed through undici's diagnostics channels, so neither
 * needs `module.register` / import-in-the-middle.
 */
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { enableInstrumentations, selectionFromEnvironment } from './integrations/auto-instrument.ts';
import { loadConfig } from './config/file.ts';
import { initEnhancedMonitoring } from './init.ts';

enableInstrumentations({ HttpInstrumentation, UndiciInstrumentation }, selectionFromEnvironment(process.env), true);

const config = process.env['MONITORING_CONFIG'];
if (config !== undefined && config.trim() !== '') {
  loadConfig(config)
    .then((options) => initEnhancedMonitoring(options))
    .catch((error: unknown) => {
      console.error(
        `[evil2root-monitoring] MONITORING_CONFIG=${config}: ${(error as Error)?.message ?? String(error)}`,
      );
      process.exit(1);
    });
}
