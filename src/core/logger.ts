/** Where the SDK writes its few messages: one warning per kind of invalid input, init and shutdown notes. */
export interface Logger {
  /** A note that needs no action, e.g. a vanished export directory recreated. */
  info(message: string): void;
  /** Something dropped or degraded: the first invalid input of each kind, a failing export or collection. */
  warn(message: string): void;
  /** A fault inside the SDK: a handler or callback that threw, an error of its HTTP server. */
  error(message: string): void;
}

const PREFIX = '[evil2root-monitoring]';

/** The default logger: the console, each line prefixed with `[evil2root-monitoring]`. */
export const consoleLogger: Logger = Object.freeze({
  info: (message: string) => console.info(`${PREFIX} ${message}`),
  warn: (message: string) => console.warn(`${PREFIX} ${message}`),
  error: (message: string) => console.error(`${PREFIX} ${message}`),
});

/** A logger that discards everything. */
export const silentLogger: Logger = Object.freeze({ info() {}, warn() {}, error() {} });
