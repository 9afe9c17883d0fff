import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MonitoringConfigError } from '../core/errors.ts';
import { initEnhancedMonitoring } from '../init.ts';
import type { MonitoringOptions } from '../config/options.ts';
import type { MonitoringService } from '../service.ts';

/**
 * The options of `MONITORING_CONFIG`: a `.json` file holds them as an object; any other path is
 * a module (ESM or CommonJS) whose default export (or `module.exports`) is the object. Relative
 * paths are from the current directory.
 */
export async function loadConfig(path: string): Promise<MonitoringOptions> {
  const file = resolve(path);
  let options: unknown;
  if (file.endsWith('.json')) {
    try {
      options = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new MonitoringConfigError(`cannot read options from ${file}: ${(error as Error).message}`, undefined, { cause: error });
    }
  } else {
    // A path, not a file: URL: the CommonJS build turns import() into require(), which takes no URL.
    const module = (await import(file)) as { default?: unknown };
    options = module.default ?? module;
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MonitoringConfigError(`${file} must hold an options object`);
  }
  return options as MonitoringOptions;
}

/** Starts monitoring with the options of a config file or module (and the `OTEL_*` variables). */
export async function startFromConfig(path: string): Promise<MonitoringService> {
  return initEnhancedMonitoring(await loadConfig(path));
}
