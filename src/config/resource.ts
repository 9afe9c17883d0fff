import { arch, hostname } from 'node:os';
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { VERSION } from '../core/version.ts';

/** A resource attribute value. */
export type ResourceAttributeValue = string | number | boolean;

/** The identity of the bot in every backend: the OpenTelemetry resource. */
export interface ResourceOptions {
  /**
   * `service.name` of the resource (`target_info` on the scrape).
   * @default `OTEL_SERVICE_NAME`, else `'evil2root-bot'`
   */
  serviceName?: string;
  /**
   * `service.instance.id` of the resource.
   * @default `OTEL_RESOURCE_ATTRIBUTES`, else a UUID generated once per process
   */
  serviceInstanceId?: string;
  /**
   * Extra resource attributes (e.g. `{ 'deployment.environment.name': 'prod', 'bot.strategy': 'momentum' }`), over
   * those of `OTEL_RESOURCE_ATTRIBUTES`.
   * @default {}
   */
  resourceAttributes?: Record<string, ResourceAttributeValue>;
}

/** The resource settings in force. */
export interface ResolvedResource {
  /** `service.name`: the option, else `OTEL_SERVICE_NAME`, else that of `OTEL_RESOURCE_ATTRIBUTES`, else `'evil2root-bot'`. */
  readonly serviceName: string;
  /** `service.instance.id`: the option, else that of `OTEL_RESOURCE_ATTRIBUTES`, else a UUID generated once per process. */
  readonly serviceInstanceId: string;
  /** Other resource attributes: those of `OTEL_RESOURCE_ATTRIBUTES`, overridden key by key by the option's. */
  readonly resourceAttributes: Readonly<Record<string, ResourceAttributeValue>>;
}

// Semantic-convention values of host.arch for Node's names.
const HOST_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: 'x86',
  ppc64: 'ppc64',
  arm64: 'arm64',
  arm: 'arm32',
  s390x: 's390x',
};

/** `telemetry.sdk.version` of `defaultResource()`: the version of `@opentelemetry/core` this package pins. */
export const OTEL_SDK_VERSION = '3.1.0';

/**
 * The resource attributes every reader reports: SDK defaults, then host and process (no command
 * line: bots pass keys there), then `OTEL_RESOURCE_ATTRIBUTES` and `resourceAttributes`, then the
 * service identity. `service.instance.id` tells two bots on one host apart in every backend. The
 * attributes, in their order, of `defaultResource().merge(host).merge(custom).merge(service)` of
 * `@opentelemetry/resources` (a merge puts the newer attributes first, and the first of a key
 * wins), computed without loading it.
 */
export function resourceAttributes(options: ResolvedResource): Attributes {
  const layers: Record<string, unknown>[] = [
    {
      'service.name': options.serviceName,
      'service.version': VERSION,
      'service.instance.id': options.serviceInstanceId,
    },
    { ...options.resourceAttributes },
    {
      'host.name': hostname(),
      'host.arch': HOST_ARCH[arch()] ?? arch(),
      'process.pid': process.pid,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
    },
    {
      'service.name': process.argv0 ? `unknown_service:${process.argv0}` : 'unknown_service',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': OTEL_SDK_VERSION,
    },
  ];
  const attributes: Attributes = {};
  for (const layer of layers)
    for (const [key, value] of Object.entries(layer))
      if (key !== '' && !Object.hasOwn(attributes, key) && isSimple(value)) attributes[key] = value as AttributeValue;
  return attributes;
}

function isSimple(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * A resource of fixed attributes for the data the SDK's own meter and registry publish when no
 * OpenTelemetry MeterProvider runs (nothing reads more than `attributes` from it then).
 */
export function fixedResource(attributes: Attributes): Resource {
  const resource: Resource = {
    attributes,
    asyncAttributesPending: false,
    waitForAsyncAttributes: () => Promise.resolve(),
    // As OpenTelemetry's: the other's attributes first, and they win.
    merge: (other) => (other === null ? resource : fixedResource({ ...attributes, ...other.attributes })),
    getRawAttributes: () => Object.entries(attributes),
  };
  return resource;
}
