import { arch, hostname } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
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

/**
 * The resource every reader reports: SDK defaults, then host and process (no command line: bots pass
 * keys there), then `OTEL_RESOURCE_ATTRIBUTES` and `resourceAttributes`, then the service identity.
 * `service.instance.id` tells two bots on one host apart in every backend.
 */
export function buildResource(options: ResolvedResource): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        'host.name': hostname(),
        'host.arch': HOST_ARCH[arch()] ?? arch(),
        'process.pid': process.pid,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
      }),
    )
    .merge(resourceFromAttributes({ ...options.resourceAttributes }))
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: VERSION,
        [ATTR_SERVICE_INSTANCE_ID]: options.serviceInstanceId,
      }),
    );
}
