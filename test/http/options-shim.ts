// resolveOptions is internal; the tests reach it here so they can pass an environment.
export { resolveOptions as resolveOptionsForTest } from '../../src/options.ts';
export { MonitoringConfigError } from '../../src/errors.ts';
