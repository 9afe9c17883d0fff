import { InputGuard } from '../domains/input.ts';

/**
 * The input guard of a service that receives workers' calls: after `close()` (the cut of
 * `shutdown()`, made at the call) it refuses every recording call as usual, except while
 * `admitting`, which the service sets around each call it replays during the drain that follows:
 * those are the calls workers made before the cut and sent when asked.
 */
export class AdmittingGuard extends InputGuard {
  admitting = false;

  override refusedAfterShutdown(method: string, deferred = false): boolean {
    return this.admitting ? false : super.refusedAfterShutdown(method, deferred);
  }
}
