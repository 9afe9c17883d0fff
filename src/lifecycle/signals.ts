const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM or SIGINT, runs `flush` and then lets the process go on as it would have without us:
 * when no other listener of that signal exists, the signal is raised again with our listener
 * removed, so the process ends by it (exit status 128 + signal number); when the bot listens
 * itself, its handler decides and we only flushed. A second signal during the flush raises at once.
 * Returns a function that removes the listeners.
 */
export function flushOnSignals(flush: () => Promise<void>): () => void {
  let flushing = false;
  const listeners = new Map<NodeJS.Signals, () => void>();
  const uninstall = () => {
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
    listeners.clear();
  };
  const reraise = (signal: NodeJS.Signals, botListens: boolean) => {
    uninstall();
    if (!botListens) process.kill(process.pid, signal);
  };
  for (const signal of SIGNALS) {
    const listener = () => {
      // Counted now: a bot's `process.once` listener is gone by the time the flush is done.
      const botListens = process.listenerCount(signal) > 1;
      if (flushing) return reraise(signal, botListens);
      flushing = true;
      flush().then(
        () => reraise(signal, botListens),
        () => reraise(signal, botListens),
      );
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return uninstall;
}
