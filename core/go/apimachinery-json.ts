// k8s.io/apimachinery/pkg/util/json as Kubernetes decodes a schema (and so its defaults) with it: a number written
// without a fraction or exponent that fits becomes an int64, any other a float64. A Workflow reaches us through the
// API server, which writes every whole float64 without either, so "whole and within int64" is the rule. A run's own
// parameters are decoded with encoding/json instead, where every number is a float64; kube-openapi validates the
// two kinds by different rules (see core/validation.ts).

/** Whether Go holds this number of a schema as an int64: whole, from MinInt64 (-2^63, written out in full) up. */
export function isGoInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}

/** Go's float64-to-int64 conversion on amd64, as kube-openapi applies it to a bound: truncation, out of range MinInt64. */
export function toInt64(value: number): bigint {
  return Number.isFinite(value) && value >= -(2 ** 63) && value < 2 ** 63
    ? BigInt(Math.trunc(value))
    : -(2n ** 63n);
}
