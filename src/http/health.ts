import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_STORE } from './security-headers.ts';

/** One failed readiness check: what, and since when (ISO 8601). */
export interface FailedCheck {
  /** What failed: `heartbeat:<loop>` or `exporter:<exporter>` (`file`, `otlp`). */
  check: string;
  /** ISO 8601 UTC time it started failing: when the heartbeat timed out, or the exporter's first failure since its last success. */
  since: string;
  /** What is wrong, for people, e.g. `no heartbeat for 95 s (timeout 60 s)`. */
  detail: string;
}

/** What readiness reads from the service; every time is Unix milliseconds. */
export interface ReadinessInputs {
  /** Last heartbeat of every loop that has called `heartbeat(loop)`, Unix seconds. */
  heartbeats(): Iterable<[loop: string, seconds: number]>;
  /** Exporters failing now, with the time of the first failure since their last success. */
  failingExporters(): Iterable<[exporter: string, sinceMs: number]>;
  now(): number;
}

export interface ReadinessSettings {
  readonly heartbeatTimeoutSeconds: number | Readonly<Record<string, number>>;
  readonly exportFailureGraceSeconds: number;
}

const DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 60;

/** The failed checks now; empty when ready. */
export function readinessFailures(inputs: ReadinessInputs, settings: ReadinessSettings): FailedCheck[] {
  const now = inputs.now();
  const failed: FailedCheck[] = [];
  const timeouts = settings.heartbeatTimeoutSeconds;
  for (const [loop, seconds] of inputs.heartbeats()) {
    const timeout = typeof timeouts === 'number' ? timeouts : (timeouts[loop] ?? DEFAULT_HEARTBEAT_TIMEOUT_SECONDS);
    const age = now / 1000 - seconds;
    if (age > timeout) {
      failed.push({
        check: `heartbeat:${loop}`,
        since: new Date((seconds + timeout) * 1000).toISOString(),
        detail: `no heartbeat for ${Math.round(age)} s (timeout ${timeout} s)`,
      });
    }
  }
  const graceMs = settings.exportFailureGraceSeconds * 1000;
  for (const [exporter, sinceMs] of inputs.failingExporters()) {
    if (now - sinceMs > graceMs) {
      failed.push({
        check: `exporter:${exporter}`,
        since: new Date(sinceMs).toISOString(),
        detail: `failing for ${Math.round((now - sinceMs) / 1000)} s (grace ${settings.exportFailureGraceSeconds} s)`,
      });
    }
  }
  return failed;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': NO_STORE,
  });
  res.end(text);
}

/** `GET /healthz`: the process and the SDK answer. */
export function livenessHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => json(res, 200, { status: 'ok' });
}

/** `GET /readyz`: 200 when every loop's heartbeat is recent and no exporter has failed past its grace; else 503 naming each failed check. */
export function readinessHandler(
  inputs: ReadinessInputs,
  settings: ReadinessSettings,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const failed = readinessFailures(inputs, settings);
    json(
      res,
      failed.length === 0 ? 200 : 503,
      failed.length === 0 ? { status: 'ready' } : { status: 'not ready', failed },
    );
  };
}
