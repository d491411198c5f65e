// go-openapi/strfmt as kube-openapi has it: the string formats Kubernetes checks in a custom resource and how (on
// Go's time, net, net/url and net/mail parsers and govalidator), restricted to the formats apiextensions keeps
// (StripUnsupportedFormatsPostProcessorForVersion at the 1.34 compatibility version of a 1.35 API server, so
// k8s-short-name and k8s-long-name count). Any other format is dropped, as Kubernetes drops it. The differential
// test (test/differential) holds each checker against the Go code.
import { parsesAsCIDR, parsesAsIP, parsesAsMAC, parsesAsSloppyIP } from './net.ts';
import { parsesAsMailAddress } from './net-mail.ts';
import { parsesAsRequestURI } from './net-url.ts';

/** Format names compare without their dashes (`date-time` is `datetime`), as strfmt normalises them. */
function normalized(format: string): string {
  return format.replaceAll('-', '');
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
/** Go's RE2 `\s`: ASCII white space only. */
const GO_SPACE = '[\\t\\n\\f\\r ]';
const RGB_CHANNEL = `${GO_SPACE}*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])${GO_SPACE}*`;
const RGB_COLOR = new RegExp(`^rgb\\(${RGB_CHANNEL},${RGB_CHANNEL},${RGB_CHANNEL}\\)$`);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const CREDIT_CARD =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;
const K8S_NAME = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const K8S_SHORT_NAME = new RegExp(`^${K8S_NAME}$`);
const K8S_LONG_NAME = new RegExp(`^${K8S_NAME}(\\.${K8S_NAME})*$`);
/**
 * The formats whose whole check is one regular expression over ASCII classes (read alike by JavaScript and RE2),
 * for some with a limit in bytes (null: any string): the policy compiler (core/policy) turns exactly these into CEL.
 */
const PATTERN_CHECKS: Record<string, { regex: RegExp; maxBytes?: number } | null> = {
  bsonobjectid: { regex: /^[0-9a-fA-F]{24}$/ },
  uuid: { regex: UUID },
  uuid3: { regex: UUID3 },
  uuid4: { regex: UUID4 },
  uuid5: { regex: UUID5 },
  // govalidator asks for 11 characters and nine digits, so both separators are there.
  ssn: { regex: /^\d{3}[- ]\d{2}[- ]\d{4}$/ },
  hexcolor: { regex: /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/ },
  rgbcolor: { regex: RGB_COLOR },
  byte: { regex: BASE64 },
  k8sshortname: { regex: K8S_SHORT_NAME, maxBytes: 63 },
  k8slongname: { regex: K8S_LONG_NAME, maxBytes: 253 },
  password: null,
};

const CHECKS: Record<string, (value: string) => boolean> = {
  ...Object.fromEntries(
    Object.entries(PATTERN_CHECKS).map(([name, check]) => [
      name,
      (value: string) =>
        check === null ||
        ((check.maxBytes === undefined || byteLength(value) <= check.maxBytes) && check.regex.test(value)),
    ]),
  ),
  uri: parsesAsRequestURI,
  email: parsesAsMailAddress,
  hostname: (value) =>
    HOSTNAME.test(value) &&
    byteLength(value) <= 255 &&
    value.split('.').every((label) => byteLength(label) <= 63),
  ipv4: (value) => parsesAsSloppyIP(value) && value.includes('.'),
  ipv6: (value) => parsesAsIP(value) && value.includes(':'),
  cidr: parsesAsCIDR,
  mac: parsesAsMAC,
  isbn: (value) => isISBN10(value) || isISBN13(value),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  date: isFullDate,
  duration: isDuration,
  datetime: isDateTime,
};

// strfmt registers these under names with dashes.
const DASHED_NAMES: Record<string, string> = {
  datetime: 'date-time',
  k8sshortname: 'k8s-short-name',
  k8slongname: 'k8s-long-name',
};

/** The name the registry knows a format by (`datetime` and `date-time` give `date-time`), if Kubernetes checks it. */
export function strfmtName(format: string): string | undefined {
  const name = normalized(format);
  return Object.hasOwn(CHECKS, name) ? (DASHED_NAMES[name] ?? name) : undefined;
}

/**
 * A format's check when it is a regular expression alone (and maybe a limit in bytes), null when any string
 * passes, undefined when code checks it or Kubernetes drops the format.
 */
export function strfmtPattern(format: string): { regex: RegExp; maxBytes?: number } | null | undefined {
  const name = normalized(format);
  return Object.hasOwn(PATTERN_CHECKS, name) ? PATTERN_CHECKS[name] : undefined;
}

/** Whether a string is valid for a format strfmtName knows. */
export function matchesStrfmtFormat(format: string, value: string): boolean {
  return CHECKS[normalized(format)]!(value);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// time.ParseDuration, then strfmt's lenient reading: any "<digits> <unit>" pair it finds, units by prefix.
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/;
const DURATION_UNITS = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];
const DURATION_PAIR = new RegExp(`(\\d+)${GO_SPACE}*([A-Za-zµ]+)`, 'g');

function isDuration(value: string): boolean {
  if (value === '0' || value === '+0' || value === '-0' || GO_DURATION.test(value)) return true;
  let found = false;
  for (const [, digits, unitText] of value.matchAll(DURATION_PAIR)) {
    // strconv.Atoi fails on a factor beyond int64, and that fails the whole value.
    if (BigInt(digits!) > 2n ** 63n - 1n) return false;
    const unit = unitText!.toLowerCase();
    for (const variants of DURATION_UNITS) {
      const last = variants.length - 1;
      if (variants.some((variant, index) => (index === last && unit.startsWith(variant)) || variant === unit))
        found = true;
    }
  }
  return found;
}

// time.Parse("2006-01-02"): exactly that shape, a real day of a real month.
function isFullDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// strfmt.IsDateTime: a full date, a "t" (any case), and a time whose parts compare below 24/60/60 as text.
function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  const parts = value.toLowerCase().split('t');
  if (parts.length < 2 || !isFullDate(parts[0]!)) return false;
  const match = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/su.exec(parts[1]!);
  return match !== null && match[1]! <= '23' && match[2]! <= '59' && match[3]! <= '59';
}

function isISBN10(value: string): boolean {
  const digits = value.replace(new RegExp(`(?:${GO_SPACE}|-)+`, 'g'), '');
  if (!/^(?:[0-9]{9}X|[0-9]{10})$/.test(digits)) return false;
  let checksum = 0;
  for (let index = 0; index < 9; index++) checksum += (index + 1) * Number(digits[index]);
  checksum += 10 * (digits[9] === 'X' ? 10 : Number(digits[9]));
  return checksum % 11 === 0;
}

function isISBN13(value: string): boolean {
  const digits = value.replace(new RegExp(`(?:${GO_SPACE}|-)+`, 'g'), '');
  if (!/^[0-9]{13}$/.test(digits)) return false;
  let checksum = 0;
  for (let index = 0; index < 12; index++) checksum += (index % 2 === 0 ? 1 : 3) * Number(digits[index]);
  return Number(digits[12]) - ((10 - (checksum % 10)) % 10) === 0;
}

// govalidator.IsCreditCard: the digits alone match a card pattern and pass the Luhn check.
function isCreditCard(value: string): boolean {
  const digits = value.replace(/[^0-9]+/g, '');
  if (!CREDIT_CARD.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = Number(digits[index]);
    if (double) {
      digit *= 2;
      if (digit >= 10) digit = (digit % 10) + 1;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}
