import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MonitoringConfigError } from '../core/errors.ts';
import type { MonitoringOptions } from './options.ts';

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
      throw new MonitoringConfigError(`cannot read options from ${file}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
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
