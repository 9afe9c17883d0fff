/**
 * The start of a child process's ES module code that notes, in `loaded` (a Set), the name of every
 * package under node_modules the process resolves, so that a test can tell which packages a
 * configuration loads.
 */
export const NOTE_LOADED_PACKAGES = `
  import { registerHooks } from 'node:module';
  const loaded = new Set();
  registerHooks({
    resolve(specifier, context, next) {
      const r = next(specifier, context);
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url);
      if (m) loaded.add(m[1]);
      return r;
    },
  });
`;
