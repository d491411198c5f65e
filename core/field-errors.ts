// Kubernetes-style field errors (`spec.workflow.parameters.port: Invalid value: ...`): their order and how they are
// printed, shared by the webhook's denials and the plugin's reports.
import type { FieldError } from './types.ts';

/** By field, then message: the order kubectl users read errors in. */
export function compareFieldErrors(a: FieldError, b: FieldError): number {
  if (a.field !== b.field) return a.field < b.field ? -1 : 1;
  if (a.message !== b.message) return a.message < b.message ? -1 : 1;
  return 0;
}

/** One `field: message` line per error, sorted by field then message, every line after `indent`. */
export function formatFieldErrors(errors: readonly FieldError[], indent = ''): string {
  return [...errors]
    .sort(compareFieldErrors)
    .map((error) => `${indent}${error.field}: ${error.message}`.replaceAll('\n', `\n${indent}`))
    .join('\n');
}
