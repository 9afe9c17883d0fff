import { arch, hostname } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ResolvedOptions } from './options.ts';
import { VERSION } from '../core/version.ts';

// Semantic-convention values of host.arch for Node's names.
const HOST_ARCH: Record<string, string> = { x64: 'amd64', ia32: 'x86', ppc64: 'ppc64', arm64: 'arm64', arm: 'arm32', s390x: 's390x' };

/**
 * The resource every reader reports: SDK defaults, then host and process (no command line: bots pass
 * keys there), then `OTEL_RESOURCE_ATTRIBUTES` and `resourceAttributes`, then the service identity.
 * `service.instance.id` tells two bots on one host apart in every backend.
 */
export function buildResource(options: ResolvedOptions): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({
      'host.name': hostname(),
      'host.arch': HOST_ARCH[arch()] ?? arch(),
      'process.pid': process.pid,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
    }))
    .merge(resourceFromAttributes({ ...options.resourceAttributes }))
    .merge(resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: VERSION,
      [ATTR_SERVICE_INSTANCE_ID]: options.serviceInstanceId,
    }));
}
