// go-openapi/strfmt's default format registry, as kube-openapi checks a value's `format` with it once Kubernetes has
// dropped the formats it does not support. email and uri follow Go's net/mail and net/url closely but not
// exhaustively; isbn*, creditcard and duration are accepted unchecked.
import { parsesAsCIDR, parsesAsIP } from './net.ts';
import { parsesAsMailAddress } from './net-mail.ts';
import { parsesAsRequestURI } from './net-url.ts';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_VERSIONED = (version: string, variant: string) =>
  new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${version}[0-9a-f]{3}-?${variant}[0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const RGB_CHANNEL = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const FORMAT_CHECKS: Record<string, (value: string) => boolean> = {
  uuid: (value) => UUID.test(value),
  uuid3: (value) => UUID_VERSIONED('3', '[0-9a-f]').test(value),
  uuid4: (value) => UUID_VERSIONED('4', '[89ab]').test(value),
  uuid5: (value) => UUID_VERSIONED('5', '[89ab]').test(value),
  hexcolor: (value) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value),
  rgbcolor: (value) => new RegExp(`^rgb\\(${RGB_CHANNEL},${RGB_CHANNEL},${RGB_CHANNEL}\\)$`).test(value),
  byte: (value) =>
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(value),
  ssn: (value) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(value),
  password: () => true,
  bsonobjectid: (value) => /^[0-9a-fA-F]{24}$/.test(value),
  date: isFullDate,
  datetime: isDateTime,
  hostname: (value) =>
    HOSTNAME.test(value) && value.length <= 255 && value.split('.').every((p) => p.length <= 63),
  ipv4: (value) => value.includes('.') && parsesAsIP(value),
  ipv6: (value) => value.includes(':') && parsesAsIP(value),
  cidr: parsesAsCIDR,
  mac: (value) =>
    /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}((\1[0-9a-fA-F]{2}){2}|(\1[0-9a-fA-F]{2}){14})?$/.test(
      value,
    ) ||
    /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}((\.[0-9a-fA-F]{4}){1}|(\.[0-9a-fA-F]{4}){7})?$/.test(
      value,
    ),
  uri: parsesAsRequestURI,
  email: parsesAsMailAddress,
  k8sshortname: (value) => value.length <= 63 && new RegExp(`^${K8S_NAME}$`).test(value),
  k8slongname: (value) => value.length <= 253 && new RegExp(`^${K8S_NAME}(\\.${K8S_NAME})*$`).test(value),
  isbn: () => true,
  isbn10: () => true,
  isbn13: () => true,
  creditcard: () => true,
  duration: () => true,
};

const K8S_NAME = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

function isFullDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  const [date = '', time, ...rest] = value.toLowerCase().split('t');
  if (time === undefined || rest.length > 0 || !isFullDate(date)) return false;
  const match = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(time);
  return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60 && Number(match[3]) < 60;
}

// strfmt compares format names without their dashes (`date-time` is `datetime`); these are the spellings it
// registers them under, where they have dashes.
const DASHED_NAMES: Record<string, string> = {
  datetime: 'date-time',
  k8sshortname: 'k8s-short-name',
  k8slongname: 'k8s-long-name',
};

/** The registry's formats under their registered names. */
export const STRFMT_FORMATS: readonly string[] = Object.keys(FORMAT_CHECKS).map(
  (name) => DASHED_NAMES[name] ?? name,
);

function normalizeFormat(format: string): string {
  return format.replaceAll('-', '');
}

/** The name the registry knows a format by (`datetime` and `date-time` give `date-time`), if it knows it. */
export function strfmtName(format: string): string | undefined {
  const normalized = normalizeFormat(format);
  return Object.hasOwn(FORMAT_CHECKS, normalized) ? (DASHED_NAMES[normalized] ?? normalized) : undefined;
}

/** Whether the value is valid for a format the registry knows (see strfmtName). */
export function matchesStrfmtFormat(format: string, value: string): boolean {
  return FORMAT_CHECKS[normalizeFormat(format)]!(value);
}
