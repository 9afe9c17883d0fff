/**
 * A real OTLP metrics receiver for tests: OTLP/HTTP (protobuf and JSON) on a node:http server and
 * OTLP/gRPC on a @grpc/grpc-js server, both on port 0. Requests are decoded with the protocol's
 * own .proto definitions (test/fixtures/opentelemetry-proto) through protobufjs, never by string
 * matching, and normalised to one plain-object shape so a test can assert exact names and values.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const PROTO_ROOT = fileURLToPath(new URL('../fixtures/opentelemetry-proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => PROTO_ROOT + target;
root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto', { keepCase: false });
const Request = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
const Response = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: false, arrays: true };

export interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}
export interface ReceivedPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: number;
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  startTimeUnixNano?: number;
  timeUnixNano?: number;
}
export interface ReceivedMetric {
  name: string;
  description?: string;
  unit?: string;
  sum?: { dataPoints: ReceivedPoint[]; aggregationTemporality: number; isMonotonic?: boolean };
  gauge?: { dataPoints: ReceivedPoint[] };
  histogram?: { dataPoints: ReceivedPoint[]; aggregationTemporality: number };
}
export interface ReceivedRequest {
  resourceMetrics: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics: { scope?: { name?: string }; metrics: ReceivedMetric[] }[];
  }[];
}
export interface Received {
  transport: 'http/protobuf' | 'http/json' | 'grpc';
  headers: Record<string, string>;
  body: ReceivedRequest;
}

/** The plain-object form of a decoded request (OTLP/JSON goes through fromObject, so both encodings end up alike). */
function normalise(message: protobuf.Message): ReceivedRequest {
  return Request.toObject(message, TO_OBJECT) as ReceivedRequest;
}

export function attributesOf(list: readonly KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? [])
    out[key] = value['stringValue'] ?? value['intValue'] ?? value['doubleValue'] ?? value['boolValue'];
  return out;
}

/** Every metric of every request, by name, in arrival order. */
export function metricsByName(requests: readonly Received[]): Map<string, ReceivedMetric[]> {
  const out = new Map<string, ReceivedMetric[]>();
  for (const r of requests) {
    for (const rm of r.body.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const list = out.get(m.name) ?? [];
          list.push(m);
          out.set(m.name, list);
        }
      }
    }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Receives OTLP over HTTP; `status` can be set to make it answer with an error. */
export class OtlpHttpReceiver {
  readonly requests: Received[] = [];
  status = 200;
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (req.method !== 'POST' || req.url !== '/v1/metrics') {
          res.writeHead(404).end();
          return;
        }
        const type = String(req.headers['content-type'] ?? '');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        if (this.status !== 200) {
          res.writeHead(this.status).end();
          return;
        }
        if (type.startsWith('application/x-protobuf')) {
          this.push({ transport: 'http/protobuf', headers, body: normalise(Request.decode(body)) });
          res
            .writeHead(200, { 'content-type': 'application/x-protobuf' })
            .end(Response.encode(Response.create({})).finish());
        } else if (type.startsWith('application/json')) {
          const err = Request.verify(Request.fromObject(JSON.parse(body.toString('utf8')) as Record<string, unknown>));
          if (err !== null) throw new Error(`OTLP/JSON does not match the proto: ${err}`);
          this.push({
            transport: 'http/json',
            headers,
            body: normalise(Request.fromObject(JSON.parse(body.toString('utf8')) as Record<string, unknown>)),
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else {
          res.writeHead(415).end();
        }
      })().catch((error: unknown) => {
        res.writeHead(400).end(String(error));
      });
    });
  }

  private push(r: Received): void {
    this.requests.push(r);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Listens on `port` (0: any free port) and returns the metrics URL. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    return `http://127.0.0.1:${address.port}/v1/metrics`;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** Resolves once `count` requests have arrived in all (rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`waited ${timeoutMs} ms for ${count} OTLP request(s), got ${this.requests.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Receives OTLP over gRPC: the MetricsService/Export method, decoded with the same definitions. */
export class OtlpGrpcReceiver {
  readonly requests: Received[] = [];
  private readonly server = new grpc.Server();

  constructor() {
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
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
        this.requests.push({ transport: 'grpc', headers, body: normalise(call.request) });
        callback(null, Response.create({}));
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

  async waitFor(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline)
        throw new Error(`waited ${timeoutMs} ms for ${count} gRPC request(s), got ${this.requests.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
