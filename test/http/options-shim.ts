// resolveOptions is internal; the tests reach it here so they can pass an environment.
export { resolveOptions as resolveOptionsForTest } from '../../src/config/options.ts';
export { MonitoringConfigError } from '../../src/core/errors.ts';
