import type { Meter, MeterProvider } from '@opentelemetry/api';
import type { AccessGate } from '../http/gate.ts';
import type { RouteHandler } from '../http/surface.ts';
import { attachApp, createMetricsHandler, type MetricsHandler } from './app.ts';
import {
  attachInstrumentations,
  detachInstrumentations,
  loadInstrumentations,
  registeredSelection,
} from './auto-instrument.ts';
import { createExpressMiddleware, type ExpressMiddleware } from './express.ts';
import { createFastifyPlugin, type FastifyMetricsPlugin } from './fastify.ts';
import { HttpServerMetrics } from './http-server.ts';
import type { ResolvedIntegrations } from './options.ts';

/**
 * The bot's web app and outgoing calls: the request-metrics recorder shared by Express, Fastify and
 * the mounted app, the `/metrics` handler for the bot's own server (behind the surface's `auth`), and the auto-instrumentations
 * attached to this MeterProvider. Adapters are made on first use.
 */
export class WebIntegration {
  private readonly settings: ResolvedIntegrations;
  /** The MeterProvider, made on demand when none runs yet (auto-instrumentation needs one). */
  private readonly meterProvider: () => MeterProvider;
  private readonly meter: Meter;
  private readonly exposition: RouteHandler;
  private readonly gate: AccessGate;
  private readonly onFault: (error: unknown) => void;
  private recorder: HttpServerMetrics | undefined;
  private fastify: FastifyMetricsPlugin | undefined;
  private metricsRoute: MetricsHandler | undefined;
  private instrumented = false;

  constructor(
    settings: ResolvedIntegrations,
    meterProvider: () => MeterProvider,
    meter: Meter,
    exposition: RouteHandler,
    gate: AccessGate,
    onFault: (error: unknown) => void,
  ) {
    this.gate = gate;
    this.settings = settings;
    this.meterProvider = meterProvider;
    this.meter = meter;
    this.exposition = exposition;
    this.onFault = onFault;
  }

  /** `autoInstrument` (and what the register entry point enabled) onto this MeterProvider; `app` mounted. */
  async start(): Promise<void> {
    const { autoInstrument, app } = this.settings;
    if (autoInstrument !== false) await loadInstrumentations(autoInstrument);
    const registered = registeredSelection();
    const wanted = {
      http: registered.http || (autoInstrument !== false && autoInstrument.http),
      fetch: registered.fetch || (autoInstrument !== false && autoInstrument.fetch),
    };
    if (wanted.http || wanted.fetch) {
      attachInstrumentations(this.meterProvider(), wanted);
      this.instrumented = true;
    }
    if (app !== undefined) attachApp(app, this.httpRecorder(), this.metricsHandler());
  }

  stop(): void {
    if (this.instrumented) detachInstrumentations(this.meterProvider());
  }

  httpRecorder(): HttpServerMetrics {
    this.recorder ??= new HttpServerMetrics(this.meter, this.onFault);
    return this.recorder;
  }

  metricsHandler(): MetricsHandler {
    this.metricsRoute ??= createMetricsHandler(this.exposition, this.gate);
    return this.metricsRoute;
  }

  expressMiddleware(): ExpressMiddleware {
    return createExpressMiddleware(this.httpRecorder());
  }

  fastifyPlugin(): FastifyMetricsPlugin {
    this.fastify ??= createFastifyPlugin(this.httpRecorder());
    return this.fastify;
  }
}
