/**
 * The path of this package's own code (of this module), in the source (type stripping), the ES module build and the CommonJS
 * build alike: `import.meta.url` does not compile to CommonJS and `__filename` does not exist in
 * ES modules, but a stack frame names the file in both.
 */
export function ownFile(): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    const file = frames[0]?.getFileName();
    if (file === undefined || file === null) throw new Error('cannot locate the monitoring package');
    return file;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}
