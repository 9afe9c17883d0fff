import assert from 'node:assert/strict';
import { arch, hostname } from 'node:os';
import { test } from 'node:test';
import { SDK_INFO } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_TELEMETRY_SDK_VERSION,
  ATTR_URL_SCHEME,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import { fixedResource, resourceAttributes, type ResolvedResource } from '../../src/config/resource.ts';
import { HTTP } from '../../src/contract/semconv.ts';
import { VERSION } from '../../src/core/version.ts';

/** The resource as it was built with @opentelemetry/resources: the reference. */
function reference(options: ResolvedResource) {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        'host.name': hostname(),
        'host.arch': ({ x64: 'amd64', ia32: 'x86', arm: 'arm32' } as Record<string, string>)[arch()] ?? arch(),
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

test('resource attributes: the keys, values and order of @opentelemetry/resources merging the same layers', () => {
  const cases: ResolvedResource[] = [
    { serviceName: 'bot', serviceInstanceId: 'i-1', resourceAttributes: {} },
    {
      serviceName: 'bot',
      serviceInstanceId: 'i-2',
      // Overriding a host attribute and the SDK's; an empty key is dropped as there.
      resourceAttributes: { 'deployment.environment.name': 'prod', 'host.name': 'h', 'telemetry.sdk.name': 'x', '': 1 },
    },
  ];
  for (const options of cases) {
    const ours = resourceAttributes(options);
    const theirs = reference(options).attributes;
    assert.deepEqual(Object.entries(ours), Object.entries(theirs));
    assert.deepEqual(Object.entries(fixedResource(ours).attributes), Object.entries(theirs));
  }
  assert.equal(
    resourceAttributes({ serviceName: 'b', serviceInstanceId: 'i', resourceAttributes: {} })['telemetry.sdk.version'],
    SDK_INFO[ATTR_TELEMETRY_SDK_VERSION],
  );
});

test("the HTTP names copied from the semantic conventions are the package's", () => {
  assert.deepEqual(HTTP, {
    serverRequestDuration: METRIC_HTTP_SERVER_REQUEST_DURATION,
    requestMethod: ATTR_HTTP_REQUEST_METHOD,
    responseStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
    route: ATTR_HTTP_ROUTE,
    urlScheme: ATTR_URL_SCHEME,
    errorType: ATTR_ERROR_TYPE,
  });
});
