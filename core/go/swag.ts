// go-openapi/swag, the helper kube-openapi's validators decide "is this float an integer" with.

/** swag.IsFloat64AJSONInteger, including its truncate-then-compare tolerance. */
export function isFloat64AJSONInteger(value: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) return false;
  if (Number.isInteger(value)) return true;
  if (value < 1) return false;
  const truncated = Math.trunc(value);
  return (value - truncated) / (value + truncated) < 1e-9;
}
