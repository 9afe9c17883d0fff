/**
 * OTLP receivers that fail the way real Collectors do, over real sockets: they decode every batch
 * they read with the protocol's own .proto definitions (test/fixtures/opentelemetry-proto), then
 * keep it or not and answer late, not at all, or with an error status, as the test says.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { attributesOf, type ReceivedRequest } from '../helpers/otlp-receiver.ts';

const PROTO_ROOT = fileURLToPath(new URL('../fixtures/opentelemetry-proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => PROTO_ROOT + target;
root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto', { keepCase: false });
const Request = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, arrays: true };

/**
 * `ok`: keeps the batch, answers 200. `slow`: keeps it, answers 200 after `answerAfterMs` (past the
 * exporter's timeout). `drop`: reads the whole batch, keeps it or not, and resets the connection
 * without answering. `status`: keeps nothing, answers `status`.
 */
export type Behaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'slow'; readonly answerAfterMs: number }
  | { readonly kind: 'drop'; readonly keep: boolean }
  | { readonly kind: 'status'; readonly status: number };

/** What a receiver saw: the batches it kept and those it read and threw away. */
abstract class Collector {
  behaviour: Behaviour = { kind: 'ok' };
  readonly kept: ReceivedRequest[] = [];
  readonly discarded: ReceivedRequest[] = [];
  /** Requests read, whatever became of them. */
  attempts = 0;
  /** Requests kept and answered 200 in time: what the exporter saw acknowledged. */
  acknowledged = 0;

  protected receive(body: ReceivedRequest): Behaviour {
    this.attempts++;
    const b = this.behaviour;
    if (b.kind === 'ok' || b.kind === 'slow' || (b.kind === 'drop' && b.keep)) this.kept.push(body);
    else this.discarded.push(body);
    return b;
  }

  /** Resolves once `predicate()` holds, polling (rejects after `timeoutMs`). */
  async until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** OTLP/HTTP (protobuf) on a node:http server on port 0. */
export class FaultyHttpCollector extends Collector {
  private readonly server: Server;
  private readonly late = new Set<NodeJS.Timeout>();

  constructor() {
    super();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Request.toObject(Request.decode(Buffer.concat(chunks)), TO_OBJECT) as ReceivedRequest;
        const b = this.receive(body);
        switch (b.kind) {
          case 'ok':
            this.acknowledged++;
            return this.answer(res);
          case 'slow': {
            const t = setTimeout(() => {
              this.late.delete(t);
              this.answer(res);
            }, b.answerAfterMs);
            this.late.add(t);
            return;
          }
          case 'drop':
            return req.socket.resetAndDestroy();
          case 'status':
            return res.writeHead(b.status).end();
        }
      });
    });
  }

  private answer(res: ServerResponse): void {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Response.encode(Response.create({})).finish());
  }

  /** Listens on a free port and returns the metrics URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}/v1/metrics`;
  }

  async close(): Promise<void> {
    for (const t of this.late) clearTimeout(t);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** OTLP/gRPC on a @grpc/grpc-js server: `slow` answers after the deadline, `status` answers that gRPC code. */
export class FaultyGrpcCollector extends Collector {
  private readonly server = new grpc.Server();
  private readonly late = new Set<NodeJS.Timeout>();

  constructor() {
    super();
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: protobuf.Message) => Buffer.from(Request.encode(m).finish()),
        requestDeserialize: (b: Buffer) => Request.decode(b),
        responseSerialize: (m: protobuf.Message) => Buffer.from(Response.encode(m).finish()),
        responseDeserialize: (b: Buffer) => Response.decode(b),
      },
    };
    this.server.addService(definition, {
      Export: (
        call: grpc.ServerUnaryCall<protobuf.Message, protobuf.Message>,
        callback: grpc.sendUnaryData<protobuf.Message>,
      ) => {
        const b = this.receive(Request.toObject(call.request, TO_OBJECT) as ReceivedRequest);
        if (b.kind === 'ok') {
          this.acknowledged++;
          callback(null, Response.create({}));
        } else if (b.kind === 'slow') {
          const t = setTimeout(() => {
            this.late.delete(t);
            callback(null, Response.create({}));
          }, b.answerAfterMs);
          this.late.add(t);
        } else if (b.kind === 'status') {
          callback({ code: b.status, details: 'refused by the test collector' });
        } else {
          throw new Error('drop is an HTTP behaviour');
        }
      },
    });
  }

  /** Listens on a free port and returns the endpoint URL for the exporter. */
  async listen(): Promise<string> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      );
    });
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const t of this.late) clearTimeout(t);
    this.server.forceShutdown();
    await Promise.resolve();
  }
}

/** Every point of `metric` in `requests` whose labels match, as [start ns, end ns, value]. */
export function pointsOf(
  requests: readonly ReceivedRequest[],
  metric: string,
  where: (labels: Record<string, unknown>) => boolean = () => true,
): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const r of requests)
    for (const rm of r.resourceMetrics)
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics) {
          if (m.name !== metric) continue;
          for (const p of m.sum?.dataPoints ?? [])
            if (where(attributesOf(p.attributes)))
              out.push([p.startTimeUnixNano ?? 0, p.timeUnixNano ?? 0, p.asInt ?? p.asDouble ?? 0]);
        }
  return out;
}

/** The sum of the values of those points. */
export function sumOf(requests: readonly ReceivedRequest[], metric: string): number {
  return pointsOf(requests, metric).reduce((s, p) => s + p[2], 0);
}
