// The values of the `reason` label of `monitoring_invalid_inputs_total`: part of the metric
// contract, like the metric names in ./metrics.ts. This file imports nothing, so src/core can use
// the type without depending on src/domains.

/** Values of the `reason` label of `monitoring_invalid_inputs_total`. */
export type InvalidReason =
  | 'not_object'
  | 'missing_field'
  | 'wrong_type'
  | 'empty_string'
  | 'not_finite'
  | 'negative'
  | 'out_of_range'
  | 'unknown_direction'
  | 'unknown_field'
  | 'reserved_value'
  | 'too_long'
  | 'too_many'
  | 'internal_error'
  | 'after_shutdown';

/** Every {@link InvalidReason}, frozen; docs/configuration.md documents each one. */
export const INVALID_REASONS: readonly InvalidReason[] = Object.freeze([
  'not_object',
  'missing_field',
  'wrong_type',
  'empty_string',
  'not_finite',
  'negative',
  'out_of_range',
  'unknown_direction',
  'unknown_field',
  'reserved_value',
  'too_long',
  'too_many',
  'internal_error',
  'after_shutdown',
]);
