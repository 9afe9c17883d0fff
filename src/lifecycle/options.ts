import { boolean, isInt, type Checks } from '../core/checks.ts';

/** How monitoring ends. */
export interface LifecycleOptions {
  /**
   * How long `shutdown()` waits for the final snapshot and push before giving up on them.
   * @default 5000
   */
  shutdownTimeoutMs?: number;
  /**
   * Flush on SIGTERM and SIGINT, then let the process exit as it would have.
   * @default false
   */
  handleSignals?: boolean;
}

/** The lifecycle settings in force. */
export interface ResolvedLifecycle {
  /** Milliseconds `shutdown()` waits for the final snapshot and push before giving up on them. */
  readonly shutdownTimeoutMs: number;
  /** Whether SIGTERM and SIGINT flush the metrics before the process exits as it would have. */
  readonly handleSignals: boolean;
}

export const LIFECYCLE_DEFAULTS: ResolvedLifecycle = { shutdownTimeoutMs: 5000, handleSignals: false };

export const LIFECYCLE_CHECKS: Checks<LifecycleOptions> = {
  shutdownTimeoutMs: (v) => (isInt(v, 0, 600_000) ? undefined : 'an integer number of milliseconds from 0 to 600000'),
  handleSignals: boolean,
};
