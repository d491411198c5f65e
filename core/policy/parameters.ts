// A Workflow's resolved parameter schema (the one the webhook validates with) turned into CEL that the API server
// evaluates itself: each part is a CEL expression giving the list of field errors, in the webhook's words, that a
// run's parameters have. Admission sees a run before the webhook's defaulting when the webhook is down, so a
// missing property that the webhook would default counts as present with that default, whose validity is decided
// here once, at compile time (defaults are constants).
//
// What CEL cannot check within the API server's cost limits, or what this compiler does not translate, is listed
// per keyword and field in `uncovered`; the rest of the schema is still enforced. Nothing uncovered ever makes a
// check stricter than the webhook's: a composition whose verdict would flip (`not`, `oneOf`) is left out whole.
import { applyDefaults } from '../defaulting.ts';
import { isPlainObject } from '../json.ts';
import { strfmtName, strfmtPattern } from '../go/strfmt.ts';
import type { JSONObject, JSONSchema, JSONValue, UnknownParameterPolicy } from '../types.ts';
import { compileValidator, PARAMETERS_FIELD } from '../validation.ts';
import {
  celField,
  celHas,
  celLiteral,
  celString,
  celValueText,
  jsonText,
  doubleLiteral,
  numberLiteral,
} from './cel.ts';

/** A keyword the policy leaves to the webhook, where it is and why. */
export interface UncoveredCheck {
  /** The field path in the webhook's form, `[*]` for any list index or map key. */
  field: string;
  keyword: string;
  reason: string;
}

export interface ParameterRules {
  /** CEL expressions, each a list of error messages; the parameters are the CEL value `root`. */
  parts: { field: string; expression: string }[];
  uncovered: UncoveredCheck[];
}

export interface ParameterRulesOptions {
  /** The CEL expression of the run's parameters as a map (`{}` when absent). */
  root: string;
  /** As the webhook's `--unknown-parameters`: only `deny` makes undeclared keys errors. */
  unknownParameters?: UnknownParameterPolicy;
}

/** Object levels below the parameters that get CEL; deeper ones are reported uncovered (CEL nests expressions). */
export const MAX_CEL_SCHEMA_DEPTH = 12;
/** `uniqueItems` compares every pair of items: only lists bounded to this many items by `maxItems` get it. */
export const MAX_UNIQUE_ITEMS = 256;
/** The webhook lists at most this many enum values in a message. */
const MAX_LISTED_ENUM_VALUES = 20;

// Keywords ajv checks that have no translation here; every other ajv keyword is translated.
const UNTRANSLATED = [
  'patternProperties',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'propertyNames',
  'contains',
  'if',
  'additionalItems',
  'prefixItems',
  'unevaluatedProperties',
  'unevaluatedItems',
];

interface Place {
  /** CEL expression of the value here. */
  value: string;
  /** CEL string expression of its field path. */
  path: string;
  /** The field path for reports, `[*]` for indexes and keys. */
  field: string;
  /** Object/list levels below the parameters, also naming the comprehension variables. */
  level: number;
}

interface Context {
  /** In the schema the webhook defaults and checks undeclared keys against, not inside allOf/anyOf/oneOf/not. */
  main: boolean;
  /** Keys that defaulting fills in at this object (a composition sees the object after defaulting). */
  filled: ReadonlySet<string>;
}

export function compileParameterRules(schema: JSONSchema, options: ParameterRulesOptions): ParameterRules {
  const compiler = new RuleCompiler(options.unknownParameters ?? 'deny');
  return compiler.compileRoot(schema, options.root);
}

class RuleCompiler {
  readonly uncovered: UncoveredCheck[] = [];

  constructor(readonly unknownParameters: UnknownParameterPolicy) {}

  /** Top-level properties' error lists, each its own part (the API server bounds an expression's size). */
  readonly #rootParts: ParameterRules['parts'] = [];

  compileRoot(schema: JSONSchema, root: string): ParameterRules {
    const place: Place = {
      value: root,
      path: celString(PARAMETERS_FIELD),
      field: PARAMETERS_FIELD,
      level: 0,
    };
    const own = this.node(schema, place, { main: true, filled: new Set() });
    const parts = own ? [{ field: PARAMETERS_FIELD, expression: own }] : [];
    return { parts: [...parts, ...this.#rootParts], uncovered: this.uncovered };
  }

  #skip(field: string, keyword: string, reason: string): void {
    this.uncovered.push({ field, keyword, reason });
  }

  /** The error list of a value at `place` (known to be present), or undefined when nothing is checked there. */
  node(schema: JSONObject, place: Place, context: Context): string | undefined {
    if (place.level > MAX_CEL_SCHEMA_DEPTH) {
      this.#skip(place.field, '*', `nested more than ${MAX_CEL_SCHEMA_DEPTH} levels deep`);
      return undefined;
    }
    const v = place.value;
    const parts: string[] = [];
    const types = declaredTypes(schema);
    if (types) {
      const names = types.filter((type) => type !== 'null');
      const tests = types.map((type) => typeTest(type, v));
      // kube-openapi lets a format stand in for a non-numeric type: a string (or a list) passes the type check.
      const formatted = typeof schema.format === 'string' && strfmtName(schema.format) !== undefined;
      if (formatted && !types.includes('number') && !types.includes('integer'))
        tests.push(`type(${v}) == string || type(${v}) == list`);
      parts.push(
        failUnless(
          tests.join(' || '),
          message(
            place,
            `': Invalid value: ' + ${celValueText(v)} + ': must be of type ${names.join(' or ') || 'null'}'`,
          ),
        ),
      );
    }
    const enumValues = enumOf(schema);
    if (enumValues) {
      parts.push(
        failUnless(
          enumTest(enumValues, v),
          message(
            place,
            `': Unsupported value: ' + ${celValueText(v)} + ${celString(`: supported values: ${listValues(enumValues)}`)}`,
          ),
        ),
      );
    }
    const strings = this.#stringChecks(schema, place);
    if (strings.length > 0) parts.push(guarded(`type(${v}) == string`, strings));
    const numbers = this.#numberChecks(schema, place);
    if (numbers.length > 0) parts.push(guarded(numericTest(v), numbers));
    const lists = this.#listChecks(schema, place, context);
    if (lists.length > 0) parts.push(guarded(`type(${v}) == list`, lists));
    const objects = this.#objectChecks(schema, place, context);
    if (objects.length > 0) parts.push(guarded(`type(${v}) == map`, objects));
    // Kubernetes checks a null value against the type and enum alone, never against allOf/anyOf/oneOf/not.
    const compositions = this.#compositions(schema, place, context);
    if (compositions.length > 0) parts.push(guarded(`type(${v}) != null_type`, compositions));
    for (const keyword of UNTRANSLATED) {
      if (schema[keyword] !== undefined) this.#skip(place.field, keyword, 'not translated to CEL');
    }
    if (Array.isArray(schema.items))
      this.#skip(place.field, 'items', 'a list of item schemas is not translated');
    return concat(parts);
  }

  #stringChecks(schema: JSONObject, place: Place): string[] {
    const v = place.value;
    const checks: string[] = [];
    if (typeof schema.minLength === 'number') {
      const n = schema.minLength;
      checks.push(atLeast(place, `size(${v})`, n, `must be at least ${plural(n, 'character')} long`));
    }
    if (typeof schema.maxLength === 'number') {
      checks.push(
        failUnless(
          `size(${v}) <= ${schema.maxLength}`,
          message(place, celString(`: Too long: may not be longer than ${schema.maxLength}`)),
        ),
      );
    }
    if (typeof schema.pattern === 'string') {
      const pattern = schema.pattern;
      checks.push(
        failUnless(
          `${v}.matches(${celString(pattern)})`,
          message(
            place,
            `': Invalid value: ' + ${celValueText(v)} + ${celString(`: must match pattern ${JSON.stringify(pattern)}`)}`,
          ),
        ),
      );
    }
    // Kubernetes' own formats (go-openapi/strfmt); it drops any other, and so does the webhook.
    if (typeof schema.format === 'string' && strfmtName(schema.format) !== undefined) {
      const check = strfmtPattern(schema.format);
      if (check === undefined) {
        this.#skip(place.field, `format: ${schema.format}`, 'checked by code, not a regular expression');
      } else if (check !== null) {
        // The patterns hold ASCII alone, so a matching string has as many bytes as CEL's size() counts.
        const length = check.maxBytes === undefined ? '' : `size(${v}) <= ${check.maxBytes} && `;
        checks.push(
          failUnless(
            `${length}${v}.matches(${celString(re2Source(check.regex))})`,
            message(
              place,
              `': Invalid value: ' + ${celValueText(v)} + ${celString(`: must be a valid ${schema.format}`)}`,
            ),
          ),
        );
      }
    }
    return checks;
  }

  #numberChecks(schema: JSONObject, place: Place): string[] {
    const v = place.value;
    const checks: string[] = [];
    const bound = (limit: number, operator: string, words: string): void => {
      checks.push(
        failUnless(
          `${v} ${operator} ${numberLiteral(limit)}`,
          message(
            place,
            `': Invalid value: ' + ${celValueText(v)} + ${celString(`: must be ${words} ${limit}`)}`,
          ),
        ),
      );
    };
    for (const [keyword, exclusive, inclusiveOp, exclusiveOp, inclusiveWords, exclusiveWords] of [
      ['minimum', 'exclusiveMinimum', '>=', '>', 'greater than or equal to', 'greater than'],
      ['maximum', 'exclusiveMaximum', '<=', '<', 'less than or equal to', 'less than'],
    ] as const) {
      const limit = schema[keyword];
      const flag = schema[exclusive];
      if (typeof limit === 'number') {
        if (flag === true) bound(limit, exclusiveOp, exclusiveWords);
        else bound(limit, inclusiveOp, inclusiveWords);
      }
      // draft 6+ form: the exclusive bound is the number itself.
      if (typeof flag === 'number') bound(flag, exclusiveOp, exclusiveWords);
    }
    if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0) {
      const m = schema.multipleOf;
      // As kube-openapi's MultipleOf on the float64 the value decodes to: the quotient (for a factor below 1, the
      // value times the factor's inverse) must be what go-openapi/swag calls an integer, within its tolerance.
      const quotient =
        m < 1 ? `(1.0 / ${doubleLiteral(m)} * double(${v}))` : `(double(${v}) / ${doubleLiteral(m)})`;
      checks.push(
        failUnless(
          jsonIntegerTest(quotient),
          message(
            place,
            `': Invalid value: ' + ${celValueText(v)} + ${celString(`: must be a multiple of ${m}`)}`,
          ),
        ),
      );
    }
    return checks;
  }

  #listChecks(schema: JSONObject, place: Place, context: Context): string[] {
    const v = place.value;
    const checks: string[] = [];
    checks.push(...countBounds(schema.minItems, schema.maxItems, place, `size(${v})`, ['item', 'items']));
    const index = `i${place.level}`;
    const item = `x${place.level}`;
    if (schema.uniqueItems === true) {
      if (typeof schema.maxItems === 'number' && schema.maxItems <= MAX_UNIQUE_ITEMS) {
        checks.push(
          `${v}.transformList(${index}, ${item}, ${v}.slice(0, ${index}).exists(y${place.level}, y${place.level} == ${item}), ` +
            `${place.path} + '[' + string(${index}) + ']: Duplicate value: ' + ${celValueText(item)})`,
        );
      } else {
        this.#skip(
          place.field,
          'uniqueItems',
          `costs a comparison per pair of items; needs maxItems <= ${MAX_UNIQUE_ITEMS}`,
        );
      }
    }
    if (isPlainObject(schema.items)) {
      const child: Place = {
        value: item,
        path: `${place.path} + '[' + string(${index}) + ']'`,
        field: `${place.field}[*]`,
        level: place.level + 1,
      };
      const itemSchema = schema.items;
      const itemErrors = context.main
        ? this.#objectWithDefaults(itemSchema, child)
        : this.node(itemSchema, child, { main: false, filled: new Set() });
      if (itemErrors) checks.push(`${v}.transformList(${index}, ${item}, ${itemErrors}).flatten()`);
    }
    return checks;
  }

  #objectChecks(schema: JSONObject, place: Place, context: Context): string[] {
    const v = place.value;
    const checks: string[] = [];
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    const names = Object.keys(properties);
    const filled = context.main ? filledKeys(schema, this.unknownParameters) : undefined;
    const present = (name: string): boolean => context.filled.has(name) || (filled?.keys.has(name) ?? false);
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (typeof name !== 'string' || present(name)) continue;
        checks.push(`(${celHas(v, name)} ? [] : [${place.path} + ${celString(`.${name}: Required value`)}])`);
      }
    }
    for (const name of names) {
      const sub = properties[name];
      if (!isPlainObject(sub)) continue;
      const expression =
        filled === undefined
          ? this.#presentProperty(name, sub, place)
          : this.property(name, sub, place, filled);
      if (!expression) continue;
      if (place.level === 0 && filled !== undefined)
        this.#rootParts.push({
          field: `${place.field}.${name}`,
          expression: guarded(`type(${v}) == map`, [expression]),
        });
      else checks.push(expression);
    }
    const declared = names;
    const unknownKey = (allowed: string[]): string =>
      `${v}.filter(k${place.level}, !(k${place.level} in ${celLiteral(allowed)})).map(k${place.level}, ${place.path} + '.' + k${place.level} + ': Unknown field')`;
    const additional = schema.additionalProperties;
    if (additional === false) {
      checks.push(unknownKey(declared));
    } else if (isPlainObject(additional)) {
      const key = `k${place.level}`;
      const value = `x${place.level}`;
      const child: Place = {
        value,
        path: `${place.path} + '[' + ${key} + ']'`,
        field: `${place.field}[*]`,
        level: place.level + 1,
      };
      const valueErrors = context.main
        ? this.#objectWithDefaults(additional, child)
        : this.node(additional, child, { main: false, filled: new Set() });
      if (valueErrors) {
        checks.push(
          `${v}.transformList(${key}, ${value}, !(${key} in ${celLiteral(declared)}), ${valueErrors}).flatten()`,
        );
      }
    } else if (context.main && this.unknownParameters === 'deny' && isClosed(schema)) {
      checks.push(unknownKey([...declared, ...branchPropertyNames(schema)].filter(unique)));
    }
    // Counted after defaulting, which adds the keys it fills in when missing.
    const fillable = [...new Set([...context.filled, ...(filled?.keys ?? [])])];
    const size =
      fillable.length === 0
        ? `size(${v})`
        : `(size(${v}) + size(${celLiteral(fillable)}.filter(d${place.level}, !(d${place.level} in ${v}))))`;
    checks.push(
      ...countBounds(schema.minProperties, schema.maxProperties, place, size, ['property', 'properties']),
    );
    return checks;
  }

  /** A value in the defaulted tree (list item, map value): its own missing properties are defaulted as well. */
  #objectWithDefaults(schema: JSONObject, place: Place): string | undefined {
    const errors = this.node(schema, place, { main: true, filled: new Set() });
    if (errors === undefined || !nullTakesDefault(schema)) return errors;
    // A null item or map value is replaced by the default, whose validity is known now.
    const defaultError = nullDefaultError(schema, this.unknownParameters);
    const ifNull = defaultError === undefined ? '[]' : `[${place.path} + ${celString(defaultError)}]`;
    return `(type(${place.value}) == null_type ? ${ifNull} : ${errors})`;
  }

  /** A property of the defaulted tree: checked when present; when missing, valid exactly if its default is. */
  property(name: string, schema: JSONObject, parent: Place, filled: FilledKeys): string | undefined {
    const place = childPlace(parent, name);
    const errors = this.node(schema, place, { main: true, filled: new Set() });
    // A null given for a non-nullable property with a default is replaced by the default, as if it were missing.
    const has = nullTakesDefault(schema)
      ? `(${celHas(parent.value, name)} && type(${place.value}) != null_type)`
      : celHas(parent.value, name);
    const defaultError = filled.errors.get(name);
    if (defaultError !== undefined) {
      return `(${has} ? ${errors ?? '[]'} : [${parent.path} + ${celString(defaultError)}])`;
    }
    return errors === undefined ? undefined : `(${has} ? ${errors} : [])`;
  }

  /** A property inside allOf/anyOf/oneOf/not: checked when present, nothing defaulted. */
  #presentProperty(name: string, schema: JSONObject, parent: Place): string | undefined {
    const errors = this.node(schema, childPlace(parent, name), { main: false, filled: new Set() });
    return errors === undefined ? undefined : `(${celHas(parent.value, name)} ? ${errors} : [])`;
  }

  #compositions(schema: JSONObject, place: Place, context: Context): string[] {
    const parts: string[] = [];
    const branchContext: Context = {
      main: false,
      filled: context.main ? filledKeys(schema, this.unknownParameters).keys : context.filled,
    };
    // Each branch as an error list, and whether everything in it was translated.
    const branch = (sub: JSONValue): { errors: string; complete: boolean } => {
      const before = this.uncovered.length;
      const errors = isPlainObject(sub) ? this.node(sub, place, branchContext) : undefined;
      return { errors: errors ?? '[]', complete: this.uncovered.length === before };
    };
    const invalid = (words: string): string =>
      message(place, `': Invalid value: ' + ${celValueText(place.value)} + ${celString(`: ${words}`)}`);
    if (Array.isArray(schema.allOf)) {
      for (const sub of schema.allOf) {
        const { errors } = branch(sub);
        if (errors !== '[]') parts.push(errors);
      }
    }
    if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) {
      const branches = schema.anyOf.map(branch);
      // An untranslated part only makes its branch accept more, so the anyOf can only accept more too.
      parts.push(
        failUnless(
          branches.map(({ errors }) => `size(${errors}) == 0`).join(' || '),
          invalid('must match at least one of the allowed schemas'),
        ),
      );
    }
    if (Array.isArray(schema.oneOf) && schema.oneOf.length > 0) {
      const before = this.uncovered.length;
      const branches = schema.oneOf.map(branch);
      if (branches.every(({ complete }) => complete)) {
        parts.push(
          failUnless(
            `${branches.map(({ errors }) => `(size(${errors}) == 0 ? 1 : 0)`).join(' + ')} == 1`,
            invalid('must match exactly one of the allowed schemas'),
          ),
        );
      } else {
        this.uncovered.splice(before);
        this.#skip(
          place.field,
          'oneOf',
          'a branch has untranslated keywords, so "exactly one" cannot be decided',
        );
      }
    }
    if (isPlainObject(schema.not)) {
      const before = this.uncovered.length;
      const { errors, complete } = branch(schema.not);
      if (complete) {
        parts.push(failUnless(`size(${errors}) != 0`, invalid('must not match the forbidden schema')));
      } else {
        this.uncovered.splice(before);
        this.#skip(place.field, 'not', 'its schema has untranslated keywords, so a match cannot be decided');
      }
    }
    return parts;
  }
}

function childPlace(parent: Place, name: string): Place {
  return {
    value: celField(parent.value, name),
    path: appendPath(parent.path, `.${name}`),
    field: `${parent.field}.${name}`,
    level: parent.level + 1,
  };
}

/** Appends static text to a CEL string expression, merging it into a trailing literal. */
function appendPath(path: string, text: string): string {
  return joinStrings(path, celString(text));
}

function message(place: Place, rest: string): string {
  return joinStrings(place.path, rest);
}

/** `a + b` for CEL string expressions; a literal `a` and a leading literal of `b` become one literal. */
function joinStrings(a: string, b: string): string {
  const leading = leadingLiteralLength(b);
  if (!isLiteral(a) || leading === 0) return `${a} + ${b}`;
  return `${a.slice(0, -1)}${b.slice(1, leading)}${b.slice(leading)}`;
}

function isLiteral(expression: string): boolean {
  return leadingLiteralLength(expression) === expression.length && expression.length > 0;
}

// The length of the single-quoted literal `expression` starts with (0 if none), quotes included.
function leadingLiteralLength(expression: string): number {
  if (!expression.startsWith("'")) return 0;
  for (let index = 1; index < expression.length; index++) {
    if (expression[index] === '\\') index++;
    else if (expression[index] === "'") return index + 1;
  }
  return 0;
}

/** A lower bound on a size, worded as Kubernetes words it: `<path>: Invalid value: <value>: <text>`. */
function atLeast(place: Place, size: string, n: number, text: string): string {
  return failUnless(
    `${size} >= ${n}`,
    message(place, `': Invalid value: ' + ${celValueText(place.value)} + ${celString(`: ${text}`)}`),
  );
}

/**
 * `minItems`/`maxItems` and `minProperties`/`maxProperties`, which Kubernetes words alike but for the unit: the
 * upper bound's message gives the count found (`Too many: 4: must have at most 3 items`).
 */
function countBounds(
  min: JSONValue | undefined,
  max: JSONValue | undefined,
  place: Place,
  size: string,
  [singular, pluralForm]: [string, string],
): string[] {
  const checks: string[] = [];
  if (typeof min === 'number') {
    checks.push(atLeast(place, size, min, `must have at least ${plural(min, singular, pluralForm)}`));
  }
  if (typeof max === 'number') {
    const text = celString(`: must have at most ${plural(max, singular, pluralForm)}`);
    checks.push(
      failUnless(`${size} <= ${max}`, message(place, `': Too many: ' + string(${size}) + ${text}`)),
    );
  }
  return checks;
}

function failUnless(test: string, text: string): string {
  return `((${test}) ? [] : [${text}])`;
}

function guarded(test: string, checks: string[]): string {
  return `((${test}) ? ${concat(checks)} : [])`;
}

function concat(parts: string[]): string | undefined {
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : `(${parts.join(' + ')})`;
}

/** Kubernetes' defaulting replaces a null with the default where the schema has one and is not nullable. */
function nullTakesDefault(schema: JSONObject): boolean {
  return schema.nullable !== true && schema.default !== undefined && schema.default !== null;
}

interface FilledKeys {
  /** Keys that defaulting adds to an object missing them. */
  keys: ReadonlySet<string>;
  /** For a key whose filled-in value the webhook would refuse: the error, after the object's path. */
  errors: ReadonlyMap<string, string>;
}

const filledBySchema = new WeakMap<JSONObject, Map<UnknownParameterPolicy, FilledKeys>>();

/**
 * What the webhook's defaulting fills into this object when keys are missing (the same for any object, since each
 * key is filled on its own), and which of those filled-in values its validation refuses.
 */
function filledKeys(schema: JSONObject, policy: UnknownParameterPolicy): FilledKeys {
  let byPolicy = filledBySchema.get(schema);
  const known = byPolicy?.get(policy);
  if (known) return known;
  const defaulted = applyDefaults(schema, {});
  const keys = new Set(isPlainObject(defaulted) ? Object.keys(defaulted) : []);
  const errors = new Map<string, string>();
  if (keys.size > 0 && isPlainObject(defaulted) && isPlainObject(schema.properties)) {
    const properties: JSONObject = {};
    for (const key of keys) properties[key] = schema.properties[key] as JSONValue;
    const { errors: found } = compileValidator({ type: 'object', properties }).validate(defaulted, policy);
    for (const error of found) {
      const rest = error.field.slice(PARAMETERS_FIELD.length + 1);
      const key = [...keys].find(
        (name) => rest === name || rest.startsWith(`${name}.`) || rest.startsWith(`${name}[`),
      );
      if (key !== undefined && !errors.has(key))
        errors.set(key, `${error.field.slice(PARAMETERS_FIELD.length)}: ${error.message} (the default)`);
    }
  }
  const result = { keys, errors };
  if (!byPolicy) filledBySchema.set(schema, (byPolicy = new Map()));
  byPolicy.set(policy, result);
  return result;
}

const nullDefaultErrors = new WeakMap<JSONObject, Map<UnknownParameterPolicy, string | undefined>>();

/** The webhook's first error, after the value's path, for the default that replaces a null here; none if valid. */
function nullDefaultError(schema: JSONObject, policy: UnknownParameterPolicy): string | undefined {
  let byPolicy = nullDefaultErrors.get(schema);
  if (byPolicy?.has(policy)) return byPolicy.get(policy);
  const holder: JSONObject = { type: 'object', properties: { value: schema } };
  const defaulted = applyDefaults(holder, { value: null });
  const [error] = compileValidator(holder).validate(defaulted, policy).errors;
  const prefix = `${PARAMETERS_FIELD}.value`;
  const found = error && `${error.field.slice(prefix.length)}: ${error.message} (the default)`;
  if (!byPolicy) nullDefaultErrors.set(schema, (byPolicy = new Map()));
  byPolicy.set(policy, found);
  return found;
}

function declaredTypes(schema: JSONObject): string[] | undefined {
  let types: string[] | undefined;
  if (typeof schema.type === 'string') types = [schema.type];
  else if (Array.isArray(schema.type)) types = schema.type.filter((t): t is string => typeof t === 'string');
  else if (schema['x-kubernetes-int-or-string'] === true) types = ['integer', 'string'];
  if (types && schema.nullable === true && !types.includes('null')) types = [...types, 'null'];
  return types;
}

function typeTest(type: string, v: string): string {
  switch (type) {
    case 'string':
      return `type(${v}) == string`;
    case 'integer':
      return (
        `type(${v}) == int && ${v} >= -${MAX_JSON_INTEGER} && ${v} <= ${MAX_JSON_INTEGER} || ` +
        `type(${v}) == uint && ${v} <= ${MAX_JSON_INTEGER}u || type(${v}) == double && ${jsonIntegerTest(v)}`
      );
    case 'number':
      return numericTest(v);
    case 'boolean':
      return `type(${v}) == bool`;
    case 'object':
      return `type(${v}) == map`;
    case 'array':
      return `type(${v}) == list`;
    case 'null':
      return `type(${v}) == null_type`;
    default:
      return 'false';
  }
}

function numericTest(v: string): string {
  return `(type(${v}) == int || type(${v}) == uint || type(${v}) == double)`;
}

/** go-openapi/swag's largest JSON integer, 2^53 - 1: kube-openapi calls no number beyond it an integer. */
const MAX_JSON_INTEGER = Number.MAX_SAFE_INTEGER;

// swag.IsFloat64AJSONInteger of a CEL double (as core/go/swag.ts): within +-(2^53 - 1), and whole or, at 1 and
// above, within a relative 1e-9 of its truncation. The range test comes first, so int() never overflows.
function jsonIntegerTest(v: string): string {
  const limit = doubleLiteral(MAX_JSON_INTEGER);
  const truncated = `double(int(${v}))`;
  return (
    `(${v} >= -${limit} && ${v} <= ${limit} && ` +
    `(${truncated} == ${v} || ${v} >= 1.0 && (${v} - ${truncated}) / (${v} + ${truncated}) < 1e-9))`
  );
}

function enumOf(schema: JSONObject): JSONValue[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  return schema.const === undefined ? undefined : [schema.const];
}

// As kube-openapi matches an enum (core/validation.ts compileEnum): Go holds a whole-number entry as int64 and
// converts the value to it, so any number whose integer part is the entry matches; a null never matches, nor does a
// list or map entry with a whole number inside. CEL list literals hold one type, so strings go in one list and
// every other entry is compared on its own.
function enumTest(values: JSONValue[], v: string): string {
  const strings = values.filter((value): value is string => typeof value === 'string');
  const tests: string[] = [];
  if (strings.length > 0) tests.push(`${v} in ${celLiteral(strings)}`);
  for (const value of values) {
    if (typeof value === 'string' || value === null) continue;
    if (isTruncatedEntry(value)) {
      const n = value as number;
      // The numbers that truncate to n: [n, n + 1) above zero, (n - 1, n] below, (-1, 1) for zero.
      const low = n > 0 ? `${v} >= ${n}` : `${v} > ${n - 1}`;
      const high = n < 0 ? `${v} <= ${n}` : `${v} < ${n + 1}`;
      tests.push(`${numericTest(v)} && ${low} && ${high}`);
    } else if (!containsTruncatedEntry(value)) tests.push(`${v} == ${celLiteral(value)}`);
  }
  return tests.length === 0 ? 'false' : tests.join(' || ');
}

/**
 * A whole-number enum entry to match by truncation. core/validation.ts takes every Go int64 (isGoInt64); beyond
 * 2^53 every number is whole, so comparing there exactly is the same, and this stops at safe integers.
 */
function isTruncatedEntry(value: JSONValue): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function containsTruncatedEntry(value: JSONValue): boolean {
  if (typeof value !== 'object' || value === null) return isTruncatedEntry(value);
  return (Array.isArray(value) ? value : Object.values(value)).some(containsTruncatedEntry);
}

function listValues(values: JSONValue[]): string {
  const shown = values.slice(0, MAX_LISTED_ENUM_VALUES).map(jsonText);
  const more = values.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, ... (${more} more)` : shown.join(', ');
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

// As the webhook's unknown-key check: an object schema that admits no undeclared keys.
function isClosed(schema: JSONObject): boolean {
  const isObject = schema.type === 'object' || isPlainObject(schema.properties);
  const open =
    schema.additionalProperties !== undefined ||
    schema['x-kubernetes-preserve-unknown-fields'] === true ||
    schema['x-kubernetes-embedded-resource'] === true;
  return isObject && !open;
}

function branchPropertyNames(schema: JSONObject): string[] {
  const names: string[] = [];
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = schema[keyword];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      if (isPlainObject(branch) && isPlainObject(branch.properties))
        names.push(...Object.keys(branch.properties));
    }
  }
  return names;
}

function unique(value: string, index: number, all: string[]): boolean {
  return all.indexOf(value) === index;
}

/** The RE2 text of a JavaScript regular expression that uses only the `i` and `u` flags. */
function re2Source(regex: RegExp): string {
  return `${regex.flags.includes('i') ? '(?i)' : ''}${regex.source}`;
}
