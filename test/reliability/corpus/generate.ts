// Writes the fixed hostile-input corpus: `webhook/manifest.json` plus one body file per case for the admission
// endpoints, and `plugin/manifest.json` plus input files for `kubectl workflowrun validate`. Deterministic: running
// it again produces the same bytes, so the corpus in git is exactly what this script makes.
//   node --import tsx test/reliability/corpus/generate.ts
// Cases whose bodies are megabytes (oversized, huge arrays) are stored as recipes and built by the tests
// (see recipes.ts), to keep the repository small.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginCase, Recipe, WebhookCase, WebhookExpectation } from './recipes.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

const webhookCases: WebhookCase[] = [];
const webhookBodies = new Map<string, Buffer>();
const pluginCases: PluginCase[] = [];
const pluginFiles = new Map<string, Buffer>();

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

interface AddOptions {
  endpoint?: string;
  method?: string;
  contentType?: string | null;
  expect: WebhookExpectation;
  uid?: string;
}

function add(
  category: string,
  description: string,
  body: string | Buffer | Recipe,
  options: AddOptions,
): void {
  const id = `${String(webhookCases.length + 1).padStart(3, '0')}-${slug(`${category} ${description}`)}`;
  const entry: WebhookCase = {
    id,
    category,
    description,
    endpoint: options.endpoint ?? '/validate-workflowrun',
    method: options.method ?? 'POST',
    contentType: options.contentType === undefined ? 'application/json' : options.contentType,
    expect: options.expect,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? { file: `bodies/${id}.bin` } : body,
  };
  if (options.uid !== undefined) entry.uid = options.uid;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    webhookBodies.set(`bodies/${id}.bin`, Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  }
  webhookCases.push(entry);
}

// ---- building blocks (JSON text, so that `__proto__` stays a plain key) ----

const J = (value: unknown) => JSON.stringify(value);

function reviewText(requestText: string, apiVersion = 'admission.k8s.io/v1'): string {
  return `{"apiVersion":${J(apiVersion)},"kind":"AdmissionReview","request":${requestText}}`;
}

function requestText(uid: string, objectText: string, extra = ''): string {
  return (
    `{"uid":${J(uid)},"kind":{"group":"openchoreo.dev","version":"v1alpha1","kind":"WorkflowRun"},` +
    `"resource":{"group":"openchoreo.dev","version":"v1alpha1","resource":"workflowruns"},` +
    `"name":"run-1","namespace":"default","operation":"CREATE","object":${objectText}${extra}}`
  );
}

function runText(workflowText: string, metadataText = '{"name":"run-1","namespace":"default"}'): string {
  return `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":${metadataText},"spec":{"workflow":${workflowText}}}`;
}

/** A run of the corpus Workflow `build` (see workflows.ts) with the given parameters (JSON text). */
function buildRun(parametersText: string, name = 'build'): string {
  return runText(`{"kind":"Workflow","name":${J(name)},"parameters":${parametersText}}`);
}

let uidCounter = 0;
function reviewOf(
  objectText: string,
  options: { extra?: string; apiVersion?: string } = {},
): { text: string; uid: string } {
  const uid = `corpus-${String(++uidCounter).padStart(4, '0')}`;
  return { text: reviewText(requestText(uid, objectText, options.extra ?? ''), options.apiVersion), uid };
}

function addReview(
  category: string,
  description: string,
  objectText: string,
  options: { endpoint?: string; extra?: string; apiVersion?: string } = {},
): void {
  const { text, uid } = reviewOf(objectText, options);
  add(category, description, text, { endpoint: options.endpoint, expect: 'review', uid });
}

const VALID_PARAMETERS =
  '{"repository":{"url":"https://github.com/openchoreo/sample"},"count":2,"mode":"fast"}';
const validReview = reviewOf(buildRun(VALID_PARAMETERS));

// ---- 1. malformed JSON ----

const valid = validReview.text;
for (const cut of [
  1,
  2,
  10,
  25,
  40,
  60,
  80,
  100,
  140,
  180,
  220,
  260,
  300,
  valid.length - 2,
  valid.length - 1,
]) {
  if (cut < valid.length)
    add('malformed-json', `truncated at byte ${cut}`, valid.slice(0, cut), { expect: 400 });
}
for (const [description, text] of [
  ['empty body', ''],
  ['only whitespace', ' \n\t '],
  ['single quotes', valid.replace(/"/g, "'")],
  ['trailing comma', valid.replace(/}$/, ',}')],
  ['trailing garbage', `${valid}garbage`],
  ['two documents', `${valid}${valid}`],
  ['comment', `/* admission */${valid}`],
  ['NaN literal', valid.replace('"count":2', '"count":NaN')],
  ['Infinity literal', valid.replace('"count":2', '"count":Infinity')],
  ['hex number', valid.replace('"count":2', '"count":0x10')],
  ['leading plus', valid.replace('"count":2', '"count":+2')],
  ['leading zero', valid.replace('"count":2', '"count":02')],
  ['unquoted key', valid.replace('"kind":"AdmissionReview"', 'kind:"AdmissionReview"')],
  ['raw control character in string', valid.replace('run-1', 'run\u0001-1')],
  ['bad escape', valid.replace('run-1', 'run\\q-1')],
  ['truncated unicode escape', valid.replace('run-1', 'run\\u12')],
  ['YAML instead of JSON', 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest: {uid: x}\n'],
  [
    'unbalanced brackets',
    '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x"]]',
  ],
  ['deep unclosed arrays', '['.repeat(5000)],
  ['NUL bytes', '\u0000\u0000\u0000'],
] as const) {
  add('malformed-json', description, text, { expect: 400 });
}
add(
  'malformed-json',
  'UTF-8 byte order mark before the object',
  Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
  {
    expect: 'review-or-4xx',
  },
);
add('malformed-json', 'UTF-16LE encoded body', Buffer.from(valid, 'utf16le'), { expect: 400 });

// ---- 2. content types and methods ----

for (const [contentType, expect] of [
  [null, 415],
  ['', 415],
  ['text/plain', 415],
  ['application/yaml', 415],
  ['application/x-www-form-urlencoded', 415],
  ['multipart/form-data; boundary=x', 415],
  ['application/json-patch+json', 415],
  ['application/jsonx', 415],
  ['application/vnd.kubernetes.protobuf', 415],
  ['json', 415],
  ['APPLICATION/JSON', 'review'],
  ['application/json; charset=utf-8', 'review'],
  ['application/json;charset=UTF-8', 'review'],
  ['  application/json  ', 'review'],
] as const) {
  add(
    'content-type',
    `Content-Type ${contentType === null ? 'absent' : JSON.stringify(contentType)}`,
    valid,
    {
      contentType,
      expect: expect as WebhookExpectation,
      uid: expect === 'review' ? validReview.uid : undefined,
    },
  );
}
for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
  for (const endpoint of ['/validate-workflowrun', '/mutate-workflowrun']) {
    add('method', `${method} ${endpoint}`, method === 'GET' || method === 'DELETE' ? '' : valid, {
      method,
      endpoint,
      expect: 405,
    });
  }
}

// ---- 3. oversized and large bodies (recipes) ----

add(
  'size',
  'declared Content-Length beyond 7 MiB',
  { recipe: 'oversized', bytes: 7 * 1024 * 1024 + 1, declareLength: true },
  { expect: 413 },
);
add(
  'size',
  'chunked body beyond 7 MiB without Content-Length',
  { recipe: 'oversized', bytes: 8 * 1024 * 1024, declareLength: false },
  { expect: 413 },
);
add(
  'size',
  '6 MiB string parameter just under the limit',
  { recipe: 'huge-string', bytes: 6 * 1024 * 1024 },
  { expect: 'review' },
);
add(
  'size',
  'array of one million numbers as a parameter',
  { recipe: 'huge-array', items: 1_000_000 },
  { expect: 'review' },
);
add('size', '100000 parameter keys', { recipe: 'many-keys', keys: 100_000 }, { expect: 'review' });
add(
  'size',
  '10000-level nested parameters',
  { recipe: 'deep-parameters', depth: 10_000 },
  { expect: 'review' },
);
add(
  'size',
  '100000-level nested parameters',
  { recipe: 'deep-parameters', depth: 100_000 },
  { expect: 'review-or-4xx' },
);
add(
  'size',
  '10000-level nested Workflow schema',
  { recipe: 'deep-schema', depth: 10_000 },
  { expect: 'review', endpoint: '/validate-workflow' },
);
add(
  'size',
  'huge array mutate',
  { recipe: 'huge-array', items: 500_000, endpoint: '/mutate-workflowrun' },
  { expect: 'review', endpoint: '/mutate-workflowrun' },
);
add(
  'size',
  'deep parameters mutate',
  { recipe: 'deep-parameters', depth: 10_000, endpoint: '/mutate-workflowrun' },
  { expect: 'review', endpoint: '/mutate-workflowrun' },
);

// ---- 4. envelope: not an AdmissionReview ----

for (const [description, text] of [
  ['null', 'null'],
  ['true', 'true'],
  ['number', '42'],
  ['string', '"AdmissionReview"'],
  ['array', `[${valid}]`],
  ['empty object', '{}'],
  ['no kind', valid.replace('"kind":"AdmissionReview",', '')],
  ['kind AdmissionReviewList', valid.replace('"kind":"AdmissionReview"', '"kind":"AdmissionReviewList"')],
  ['kind lower case', valid.replace('"kind":"AdmissionReview"', '"kind":"admissionreview"')],
  ['kind as object', valid.replace('"kind":"AdmissionReview"', '"kind":{"kind":"AdmissionReview"}')],
  ['no apiVersion', valid.replace('"apiVersion":"admission.k8s.io/v1",', '')],
  ['apiVersion v2', valid.replace('admission.k8s.io/v1', 'admission.k8s.io/v2')],
  ['apiVersion v1beta2', valid.replace('admission.k8s.io/v1', 'admission.k8s.io/v1beta2')],
  ['apiVersion with space', valid.replace('admission.k8s.io/v1', 'admission.k8s.io/v1 ')],
  ['apiVersion upper case', valid.replace('admission.k8s.io/v1', 'Admission.K8s.io/v1')],
  ['apiVersion number', valid.replace('"admission.k8s.io/v1"', '1')],
  ['apiVersion of a WorkflowRun', valid.replace('admission.k8s.io/v1', 'openchoreo.dev/v1alpha1')],
  ['no request', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}'],
  ['request null', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}'],
  ['request array', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":[]}'],
  ['request string', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"CREATE"}'],
  [
    'response instead of request',
    '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"x","allowed":true}}',
  ],
  ['no uid', reviewText(requestText('', buildRun(VALID_PARAMETERS)).replace('"uid":"",', ''))],
  ['empty uid', reviewText(requestText('', buildRun(VALID_PARAMETERS)))],
  ['uid number', reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"uid":"x"', '"uid":7'))],
  [
    'uid object',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"uid":"x"', '"uid":{"a":1}')),
  ],
  ['uid null', reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"uid":"x"', '"uid":null'))],
  [
    'no operation',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"operation":"CREATE",', '')),
  ],
  [
    'operation lower case',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"CREATE"', '"create"')),
  ],
  [
    'operation unknown',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"CREATE"', '"PATCH"')),
  ],
  [
    'operation array',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"CREATE"', '["CREATE"]')),
  ],
  [
    'operation toString',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"CREATE"', '"toString"')),
  ],
  [
    'operation __proto__',
    reviewText(requestText('x', buildRun(VALID_PARAMETERS)).replace('"CREATE"', '"__proto__"')),
  ],
  [
    '__proto__ envelope',
    `{"__proto__":{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"},"request":${requestText('x', buildRun(VALID_PARAMETERS))}}`,
  ],
] as const) {
  add('envelope', description, text, { expect: 400 });
}
add(
  'envelope',
  'apiVersion v1beta1 is answered in kind',
  reviewOf(buildRun(VALID_PARAMETERS), { apiVersion: 'admission.k8s.io/v1beta1' }).text,
  {
    expect: 'review',
    uid: `corpus-${String(uidCounter).padStart(4, '0')}`,
  },
);
add(
  'envelope',
  'uid of 10000 characters',
  reviewText(requestText('u'.repeat(10_000), buildRun(VALID_PARAMETERS))),
  { expect: 'review', uid: 'u'.repeat(10_000) },
);
add(
  'envelope',
  'uid with quotes and newlines',
  reviewText(requestText('a"b\n\\c</script>', buildRun(VALID_PARAMETERS))),
  {
    expect: 'review',
    uid: 'a"b\n\\c</script>',
  },
);
add(
  'envelope',
  'duplicate uid keys (last wins)',
  reviewText(
    requestText('first', buildRun(VALID_PARAMETERS)).replace('"uid":"first"', '"uid":"first","uid":"second"'),
  ),
  {
    expect: 'review',
    uid: 'second',
  },
);

// ---- 5. request fields of the wrong type ----

for (const [description, extra, objectText] of [
  ['object null', '', 'null'],
  ['object array', '', '[]'],
  ['object string', '', '"WorkflowRun"'],
  ['object number', '', '1e308'],
  ['object empty', '', '{}'],
  ['oldObject string on CREATE', ',"oldObject":"x"', buildRun(VALID_PARAMETERS)],
  ['dryRun string', ',"dryRun":"yes"', buildRun(VALID_PARAMETERS)],
  ['dryRun number', ',"dryRun":1', buildRun(VALID_PARAMETERS)],
  ['subResource number', ',"subResource":5', buildRun(VALID_PARAMETERS)],
  ['subResource status', ',"subResource":"status"', buildRun('"not even an object"')],
  ['subResource object', ',"subResource":{"a":1}', buildRun(VALID_PARAMETERS)],
  ['userInfo wrong type', ',"userInfo":"admin"', buildRun(VALID_PARAMETERS)],
  ['options wrong type', ',"options":[1,2]', buildRun(VALID_PARAMETERS)],
] as const) {
  addReview('request-fields', description, objectText, { extra });
}
for (const [description, from, to] of [
  [
    'kind as a string',
    '"kind":{"group":"openchoreo.dev","version":"v1alpha1","kind":"WorkflowRun"}',
    '"kind":"WorkflowRun"',
  ],
  ['kind null', '"kind":{"group":"openchoreo.dev","version":"v1alpha1","kind":"WorkflowRun"}', '"kind":null'],
  ['kind.kind number', '"kind":"WorkflowRun"}', '"kind":5}'],
  ['kind.kind Pod', '"kind":"WorkflowRun"}', '"kind":"Pod"}'],
  ['kind.kind __proto__', '"kind":"WorkflowRun"}', '"kind":"__proto__"}'],
  ['namespace number', '"namespace":"default"', '"namespace":5'],
  ['namespace object', '"namespace":"default"', '"namespace":{"toString":1}'],
  ['name array', '"name":"run-1"', '"name":["a"]'],
  [
    'resource string',
    '"resource":{"group":"openchoreo.dev","version":"v1alpha1","resource":"workflowruns"}',
    '"resource":"workflowruns"',
  ],
] as const) {
  const { text, uid } = reviewOf(buildRun(VALID_PARAMETERS));
  add('request-fields', description, text.replace(from, to), { expect: 'review', uid });
}
for (const operation of ['UPDATE', 'DELETE', 'CONNECT']) {
  for (const [description, extra] of [
    ['no oldObject', ''],
    ['oldObject null', ',"oldObject":null'],
    ['oldObject array', ',"oldObject":[]'],
    ['oldObject with other workflow', `,"oldObject":${buildRun(VALID_PARAMETERS, 'other')}`],
  ] as const) {
    const { text, uid } = reviewOf(buildRun(VALID_PARAMETERS), { extra });
    add('request-fields', `${operation} ${description}`, text.replace('"CREATE"', J(operation)), {
      expect: 'review',
      uid,
    });
  }
}

// ---- 6. WorkflowRun objects of the wrong shape ----

for (const [description, objectText] of [
  ['no spec', '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":{"name":"r"}}'],
  ['spec null', '{"kind":"WorkflowRun","metadata":{"name":"r"},"spec":null}'],
  ['spec array', '{"kind":"WorkflowRun","metadata":{"name":"r"},"spec":[]}'],
  ['spec string', '{"kind":"WorkflowRun","metadata":{"name":"r"},"spec":"x"}'],
  ['workflow string', runText('"build"')],
  ['workflow array', runText('["build"]')],
  ['workflow null', runText('null')],
  ['workflow name number', runText('{"name":5}')],
  ['workflow name object', runText('{"name":{"toString":"build"}}')],
  ['workflow name empty', runText('{"name":""}')],
  ['workflow name __proto__', runText('{"kind":"Workflow","name":"__proto__"}')],
  ['workflow name constructor', runText('{"kind":"Workflow","name":"constructor"}')],
  ['workflow name toString', runText('{"kind":"ClusterWorkflow","name":"toString"}')],
  ['workflow name hasOwnProperty', runText('{"kind":"ClusterWorkflow","name":"hasOwnProperty"}')],
  ['workflow name with path traversal', runText('{"kind":"Workflow","name":"../../../etc/passwd"}')],
  ['workflow name of 10000 characters', runText(`{"kind":"Workflow","name":${J('w'.repeat(10_000))}}`)],
  ['workflow kind Pod', runText('{"kind":"Pod","name":"build"}')],
  ['workflow kind number', runText('{"kind":1,"name":"build"}')],
  ['workflow kind __proto__', runText('{"kind":"__proto__","name":"build"}')],
  ['workflow kind lower case', runText('{"kind":"workflow","name":"build"}')],
  ['parameters string', buildRun('"repository"')],
  ['parameters array', buildRun('[1,2,3]')],
  ['parameters null', buildRun('null')],
  ['parameters number', buildRun('3')],
  ['parameters empty', buildRun('{}')],
  ['metadata string', runText('{"kind":"Workflow","name":"build"}', '"x"')],
  ['metadata null', runText('{"kind":"Workflow","name":"build"}', 'null')],
  ['metadata name number', runText('{"kind":"Workflow","name":"build"}', '{"name":5}')],
  [
    'annotations array',
    runText(
      `{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`,
      '{"name":"r","annotations":["x"]}',
    ),
  ],
  [
    'annotations null',
    runText(
      `{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`,
      '{"name":"r","annotations":null}',
    ),
  ],
  [
    'annotations string',
    runText(
      `{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`,
      '{"name":"r","annotations":"x"}',
    ),
  ],
  [
    'annotations with __proto__',
    runText(
      `{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`,
      '{"name":"r","annotations":{"__proto__":{"polluted":"yes"}}}',
    ),
  ],
  [
    'labels with constructor',
    runText(
      `{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`,
      '{"name":"r","labels":{"constructor":{"prototype":{"polluted":"yes"}}}}',
    ),
  ],
  [
    'generateName only',
    runText(`{"kind":"Workflow","name":"build","parameters":${VALID_PARAMETERS}}`, '{"generateName":"run-"}'),
  ],
  [
    'a Pod sent as WorkflowRun',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}}',
  ],
  [
    'a Workflow sent as WorkflowRun',
    '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"w"},"spec":{"schema":{"parameters":{"a":"string"}}}}',
  ],
] as const) {
  addReview('run-shape', description, objectText);
  addReview('run-shape', `${description} (mutate)`, objectText, { endpoint: '/mutate-workflowrun' });
}

// ---- 7. prototype keys in parameters ----

for (const [description, parametersText] of [
  ['__proto__ object', `{"__proto__":{"polluted":"yes"},"repository":{"url":"https://x"}}`],
  ['__proto__ string', `{"__proto__":"yes","repository":{"url":"https://x"}}`],
  ['__proto__ null', `{"__proto__":null,"repository":{"url":"https://x"}}`],
  ['__proto__ array', `{"__proto__":[1,2],"repository":{"url":"https://x"}}`],
  [
    'constructor.prototype',
    `{"constructor":{"prototype":{"polluted":"yes"}},"repository":{"url":"https://x"}}`,
  ],
  ['prototype', `{"prototype":{"polluted":"yes"},"repository":{"url":"https://x"}}`],
  ['nested __proto__', `{"repository":{"url":"https://x","__proto__":{"polluted":"yes"}}}`],
  ['nested constructor', `{"repository":{"url":"https://x","constructor":{"prototype":{"polluted":"yes"}}}}`],
  ['__proto__ replacing repository', `{"repository":{"__proto__":{"url":"https://x"}}}`],
  ['hasOwnProperty shadowed', `{"hasOwnProperty":"no","repository":{"url":"https://x","hasOwnProperty":1}}`],
  ['toString shadowed', `{"toString":"no","valueOf":"no","repository":{"url":"https://x"}}`],
  ['__defineGetter__', `{"__defineGetter__":"x","__lookupGetter__":"y","repository":{"url":"https://x"}}`],
  ['array item __proto__', `{"repository":{"url":"https://x"},"tags":[{"__proto__":{"polluted":"yes"}}]}`],
  ['defaults under __proto__ workflow', `{}`],
] as const) {
  const workflow = description.includes('workflow') ? 'proto-keys' : 'build';
  addReview('prototype-keys', description, buildRun(parametersText, workflow));
  addReview('prototype-keys', `${description} (mutate)`, buildRun(parametersText, workflow), {
    endpoint: '/mutate-workflowrun',
  });
}
addReview(
  'prototype-keys',
  'run against the proto-keys Workflow with its keys given',
  buildRun('{"__proto__":"a","constructor":"b","prototype":{"polluted":"c"}}', 'proto-keys'),
);
addReview(
  'prototype-keys',
  'run against the proto-keys Workflow, mutate',
  buildRun('{"prototype":{}}', 'proto-keys'),
  { endpoint: '/mutate-workflowrun' },
);

// ---- 8. Workflow schemas (validate-workflow) ----

function workflowObject(specText: string, kind = 'Workflow'): string {
  return `{"apiVersion":"openchoreo.dev/v1alpha1","kind":${J(kind)},"metadata":{"name":"w","namespace":"default"},"spec":${specText}}`;
}
function workflowReview(description: string, specText: string, kind = 'Workflow'): void {
  const { text, uid } = reviewOf(workflowObject(specText, kind));
  const fixed = text
    .replace('"kind":"WorkflowRun"}', `"kind":${J(kind)}}`)
    .replace(
      '"resource":"workflowruns"',
      `"resource":${J(kind === 'Workflow' ? 'workflows' : 'clusterworkflows')}`,
    );
  add('workflow-schema', description, fixed, { endpoint: '/validate-workflow', expect: 'review', uid });
}
const openapi = (schema: string) => `{"parameters":{"openAPIV3Schema":${schema}}}`;
const shorthand = (parameters: string) => `{"schema":{"parameters":${parameters}}}`;
for (const [description, specText] of [
  [
    'openapi __proto__ property',
    openapi('{"type":"object","properties":{"__proto__":{"type":"string","default":"x"}}}'),
  ],
  [
    'openapi constructor property',
    openapi(
      '{"type":"object","properties":{"constructor":{"type":"object","properties":{"prototype":{"type":"string","default":"p"}}}}}',
    ),
  ],
  ['openapi __proto__ as schema keyword', openapi('{"type":"object","__proto__":{"type":"number"}}')],
  [
    'openapi properties is __proto__ object',
    openapi('{"type":"object","properties":{"__proto__":{"__proto__":{"polluted":"yes"}}}}'),
  ],
  [
    'openapi required __proto__',
    openapi(
      '{"type":"object","required":["__proto__","constructor"],"properties":{"__proto__":{"type":"string"}}}',
    ),
  ],
  [
    'openapi $defs __proto__',
    openapi(
      '{"type":"object","$defs":{"__proto__":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/__proto__"}}}',
    ),
  ],
  [
    'openapi $ref cycle',
    openapi(
      '{"type":"object","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"properties":{"x":{"$ref":"#/$defs/a"}}}',
    ),
  ],
  ['openapi $ref self', openapi('{"$ref":"#"}')],
  [
    'openapi remote $ref',
    openapi('{"type":"object","properties":{"x":{"$ref":"https://example.invalid/schema.json"}}}'),
  ],
  ['openapi file $ref', openapi('{"type":"object","properties":{"x":{"$ref":"file:///etc/passwd"}}}')],
  ['openapi $ref to missing def', openapi('{"type":"object","properties":{"x":{"$ref":"#/$defs/none"}}}')],
  ['openapi $ref not a string', openapi('{"type":"object","properties":{"x":{"$ref":5}}}')],
  ['openapi invalid regex', openapi('{"type":"object","properties":{"x":{"type":"string","pattern":"(["}}}')],
  ['openapi type unknown', openapi('{"type":"object","properties":{"x":{"type":"bigint"}}}')],
  ['openapi type array of types', openapi('{"type":["object","null"]}')],
  ['openapi schema is array', openapi('[]')],
  ['openapi schema is string', openapi('"object"')],
  ['openapi schema is null', openapi('null')],
  ['openapi properties is array', openapi('{"type":"object","properties":[1]}')],
  [
    'openapi default violates type',
    openapi('{"type":"object","properties":{"x":{"type":"integer","default":"ten"}}}'),
  ],
  [
    'openapi minimum 1e309',
    openapi('{"type":"object","properties":{"x":{"type":"number","minimum":1e309}}}'),
  ],
  [
    'openapi maxLength negative',
    openapi('{"type":"object","properties":{"x":{"type":"string","maxLength":-1}}}'),
  ],
  [
    'openapi enum of 10000 values',
    openapi(
      `{"type":"object","properties":{"x":{"type":"string","enum":${J(Array.from({ length: 10_000 }, (_, i) => `v${i}`))}}}}`,
    ),
  ],
  [
    'openapi x-kubernetes-preserve-unknown-fields',
    openapi('{"type":"object","x-kubernetes-preserve-unknown-fields":true}'),
  ],
  [
    'openapi 200 nested objects',
    openapi(
      `${'{"type":"object","properties":{"a":'.repeat(200)}{"type":"string","default":"d"}${'}}'.repeat(200)}`,
    ),
  ],
  ['shorthand __proto__ field', shorthand('{"__proto__":"string | default=x"}')],
  ['shorthand constructor field', shorthand('{"constructor":{"prototype":"string | default=p"}}')],
  ['shorthand field is number', shorthand('{"a":5}')],
  ['shorthand field is null', shorthand('{"a":null}')],
  ['shorthand field is array', shorthand('{"a":["string"]}')],
  ['shorthand unknown type', shorthand('{"a":"bigint"}')],
  ['shorthand unterminated quote', shorthand('{"a":"string | default=\\"x"}')],
  ['shorthand enum without values', shorthand('{"a":"string | enum="}')],
  ['shorthand bad pattern', shorthand('{"a":"string | pattern=(["}')],
  ['shorthand default violates enum', shorthand('{"a":"string | default=z enum=x,y"}')],
  ['shorthand minimum not a number', shorthand('{"a":"integer | minimum=abc"}')],
  ['shorthand parameters is string', shorthand('"string"')],
  ['shorthand parameters is array', shorthand('[]')],
  ['shorthand huge default', shorthand(`{"a":${J(`string | default=${'x'.repeat(100_000)}`)}}`)],
  [
    'both formats at once',
    '{"schema":{"parameters":{"a":"string"}},"parameters":{"openAPIV3Schema":{"type":"object"}}}',
  ],
  ['spec null', 'null'],
  ['spec array', '[]'],
  ['schema null', '{"schema":null}'],
  ['parameters string', '{"parameters":"x"}'],
] as const) {
  workflowReview(description, specText);
}
workflowReview(
  'ClusterWorkflow __proto__ property',
  openapi('{"type":"object","properties":{"__proto__":{"type":"string"}}}'),
  'ClusterWorkflow',
);
{
  const { text, uid } = reviewOf(workflowObject(openapi('{"type":"object"}')));
  add(
    'workflow-schema',
    'request kind Pod at validate-workflow',
    text.replace('"kind":"WorkflowRun"}', '"kind":"Pod"}'),
    {
      endpoint: '/validate-workflow',
      expect: 'review',
      uid,
    },
  );
}

// ---- 9. invalid UTF-8 and odd strings ----

function withBytes(parts: (string | number[])[]): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
  );
}
const [beforeName, afterName] = validReview.text.split('run-1') as [string, string];
for (const [description, bytes] of [
  ['lone 0xff byte', [0xff]],
  ['lone continuation byte', [0x80]],
  ['truncated two-byte sequence', [0xc3]],
  ['invalid two-byte sequence', [0xc3, 0x28]],
  ['overlong slash', [0xc0, 0xaf]],
  ['overlong NUL', [0xc0, 0x80]],
  ['UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
  ['code point beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['five-byte sequence', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['0xfe 0xff', [0xfe, 0xff]],
] as const) {
  add('utf8', `${description} in a name`, withBytes([beforeName, [...bytes], afterName]), {
    expect: 'review-or-4xx',
  });
  add(
    'utf8',
    `${description} outside any string`,
    withBytes([validReview.text.slice(0, 1), [...bytes], validReview.text.slice(1)]),
    {
      expect: 400,
    },
  );
}
for (const [description, value] of [
  ['lone high surrogate escape', '"\\ud800"'],
  ['lone low surrogate escape', '"\\udfff"'],
  ['reversed surrogate pair', '"\\udc00\\ud800"'],
  ['NUL escape', '"a\\u0000b"'],
  ['right-to-left override', '"https://\\u202egnp.exe"'],
  ['zero-width characters', '"https://\\u200b\\u200c\\u200d\\ufeff"'],
  ['emoji', '"https://\\ud83d\\ude80"'],
  ['line separators', '"https://a\\u2028b\\u2029c"'],
] as const) {
  addReview(
    'utf8',
    `${description} in a parameter`,
    buildRun(`{"repository":{"url":${value}},"mode":${value}}`),
  );
  addReview(
    'utf8',
    `${description} as a parameter key`,
    buildRun(`{${value}:1,"repository":{"url":"https://x"}}`),
    { endpoint: '/mutate-workflowrun' },
  );
}

// ---- 10. catastrophic-backtracking patterns (a JavaScript RegExp would take minutes; RE2 answers at once) ----

for (const [description, parametersText] of [
  ['nested quantifier', `{"nested":${J(`${'a'.repeat(5000)}!`)}}`],
  ['overlapping alternation', `{"alternation":${J(`${'a'.repeat(5000)}!`)}}`],
  ['email-like pattern', `{"email":${J(`${'a'.repeat(5000)}!`)}}`],
  ['all three', `{"nested":${J(`${'a'.repeat(40)}!`)},"alternation":${J(`${'a'.repeat(40)}!`)},"email":${J(`${'a1'.repeat(40)}!`)}}`],
] as const) {
  addReview('redos', description, buildRun(parametersText, 'redos'));
  addReview('redos', `${description} (mutate)`, buildRun(parametersText, 'redos'), { endpoint: '/mutate-workflowrun' });
}

// ---- 10. numbers at JSON's limits ----

for (const [description, number] of [
  ['1e308', '1e308'],
  ['1e309 (beyond double)', '1e309'],
  ['-1e309', '-1e309'],
  ['5e-324', '5e-324'],
  ['1e-400 (underflow)', '1e-400'],
  ['2^53 + 1', '9007199254740993'],
  ['-2^63', '-9223372036854775808'],
  ['30 digits', '123456789012345678901234567890'],
  ['negative zero', '-0'],
  ['1.0 for an integer', '1.0'],
  ['1E+1 exponent', '1E+1'],
  ['1e1000000', '1e1000000'],
  ['1000 digits', '9'.repeat(1000)],
  ['long fraction', `0.${'1'.repeat(1000)}`],
] as const) {
  addReview(
    'numbers',
    `count ${description}`,
    buildRun(`{"repository":{"url":"https://x"},"count":${number}}`),
  );
  addReview(
    'numbers',
    `count ${description} (mutate)`,
    buildRun(`{"repository":{"url":"https://x"},"count":${number}}`),
    {
      endpoint: '/mutate-workflowrun',
    },
  );
}

// ---- plugin inputs ----

function addPlugin(
  description: string,
  files: Record<string, string | Buffer | Recipe>,
  args: string[],
  expect: PluginCase['expect'],
): void {
  const id = `${String(pluginCases.length + 1).padStart(3, '0')}-${slug(description)}`;
  const materialized: PluginCase['files'] = {};
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      const path = `inputs/${id}-${name}`;
      pluginFiles.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'));
      materialized[name] = { file: path };
    } else {
      materialized[name] = content;
    }
  }
  pluginCases.push({ id, description, files: materialized, args, expect });
}

const WORKFLOW_YAML = `apiVersion: openchoreo.dev/v1alpha1
kind: Workflow
metadata:
  name: build
  namespace: default
spec:
  parameters:
    openAPIV3Schema:
      type: object
      required: [repository]
      properties:
        repository:
          type: object
          required: [url]
          properties:
            url: {type: string, pattern: "^https://"}
        count: {type: integer, minimum: 1, maximum: 10, default: 3}
`;
const RUN_YAML = `apiVersion: openchoreo.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: run-1
  namespace: default
spec:
  workflow:
    kind: Workflow
    name: build
    parameters:
      repository:
        url: https://github.com/openchoreo/sample
`;
const runArgs = ['validate', '-f', '{run}', '--workflow-file', '{workflow}'];
for (const [description, run, expect] of [
  ['empty run file', '', 2],
  ['only a comment', '# nothing\n', 2],
  ['binary garbage', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7919) % 256)), 2],
  ['invalid UTF-8', Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), 'not-0'],
  ['unterminated flow mapping', '{kind: WorkflowRun, metadata: {name: x}\n', 2],
  ['tab indentation', 'kind: WorkflowRun\nspec:\n\tworkflow: x\n', 2],
  ['duplicate keys', 'kind: WorkflowRun\nkind: WorkflowRun\n', 2],
  [
    'billion laughs alias bomb',
    `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n`,
    2,
  ],
  ['undefined alias', 'kind: *nothing\n', 2],
  ['10000 nested flow sequences', `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 2],
  [
    '500 nested block mappings',
    Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n',
    2,
  ],
  ['a scalar document', 'just a string\n', 2],
  ['a list document', '- a\n- b\n', 2],
  ['a Pod', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n', 'not-0'],
  ['a List of runs with garbage', 'apiVersion: v1\nkind: List\nitems: [1, "x", null]\n', 'not-0'],
  [
    'run with spec string',
    'apiVersion: openchoreo.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\nspec: hello\n',
    'not-0',
  ],
  [
    'run with workflow name number',
    'apiVersion: openchoreo.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: r}\nspec: {workflow: {kind: Workflow, name: 5}}\n',
    'not-0',
  ],
  [
    'run with metadata null',
    'apiVersion: openchoreo.dev/v1alpha1\nkind: WorkflowRun\nmetadata: null\nspec: {workflow: {kind: Workflow, name: build}}\n',
    'not-0',
  ],
  [
    'run with __proto__ parameters',
    `${RUN_YAML}      __proto__: {polluted: yes}\n      constructor: {prototype: {polluted: yes}}\n`,
    'any',
  ],
  [
    'run with __proto__ metadata',
    RUN_YAML.replace('  name: run-1\n', '  name: run-1\n  __proto__: {polluted: yes}\n'),
    'any',
  ],
  ['run with number 1e309', `${RUN_YAML}      count: 1e309\n`, 'not-0'],
  ['run with .inf count', `${RUN_YAML}      count: .inf\n`, 'not-0'],
  ['run with .nan count', `${RUN_YAML}      count: .nan\n`, 'not-0'],
  ['run with 2^64 count', `${RUN_YAML}      count: 18446744073709551616\n`, 'not-0'],
  ['run with binary tag', `${RUN_YAML}      blob: !!binary aGVsbG8=\n`, 'not-0'],
  ['run with custom tag', `${RUN_YAML}      x: !custom-tag 1\n`, 'any'],
  ['run with merge key', `${RUN_YAML}      <<: {count: 2}\n`, 'any'],
  ['JSON run with trailing garbage', '{"kind":"WorkflowRun"} trailing', 2],
  ['NUL bytes', Buffer.from([0, 0, 0, 0]), 2],
  ['UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(RUN_YAML, 'utf16le')]), 'not-0'],
] as const) {
  addPlugin(
    description,
    { run, workflow: WORKFLOW_YAML },
    runArgs,
    expect === 'not-0' ? 'not-0' : expect === 'any' ? 'any' : 2,
  );
}
for (const [description, workflow] of [
  ['empty workflow file', ''],
  ['workflow with invalid regex', WORKFLOW_YAML.replace('"^https://"', '"(["')],
  [
    'workflow with $ref cycle',
    WORKFLOW_YAML.replace(
      '      type: object\n      required',
      '      $defs: {a: {$ref: "#/$defs/a"}}\n      properties: {x: {$ref: "#/$defs/a"}}\n      type: object\n      required',
    ),
  ],
  [
    'workflow with remote $ref',
    WORKFLOW_YAML.replace(
      'url: {type: string, pattern: "^https://"}',
      'url: {$ref: "https://example.invalid/s.json"}',
    ),
  ],
  [
    'workflow with __proto__ property',
    WORKFLOW_YAML.replace('        count:', '        __proto__: {type: string, default: x}\n        count:'),
  ],
  ['workflow file is a run', RUN_YAML],
  [
    'workflow alias bomb',
    'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n',
  ],
  ['workflow binary garbage', Buffer.from(Array.from({ length: 128 }, (_, i) => (i * 31 + 7) % 256))],
] as const) {
  addPlugin(description, { run: RUN_YAML, workflow }, runArgs, 'not-0');
}
addPlugin(
  'run file is huge (8 MiB, 180000 keys)',
  { run: { recipe: 'huge-yaml', bytes: 8 * 1024 * 1024 }, workflow: WORKFLOW_YAML },
  runArgs,
  'not-0',
);
for (const [description, args] of [
  ['missing -f', ['validate', '--workflow-file', '{workflow}']],
  ['-f names a directory', ['validate', '-f', '{dir}', '--workflow-file', '{workflow}']],
  ['-f names a missing file', ['validate', '-f', '{dir}/no-such-file.yaml', '--workflow-file', '{workflow}']],
  [
    '--workflow-file names a missing file',
    ['validate', '-f', '{run}', '--workflow-file', '{dir}/missing.yaml'],
  ],
  ['--workflow-file -', ['validate', '-f', '{run}', '--workflow-file', '-']],
  ['-f - twice', ['validate', '-f', '-', '-f', '-', '--workflow-file', '{workflow}']],
  ['unknown flag', ['validate', '-f', '{run}', '--workflow-file', '{workflow}', '--frobnicate']],
  ['-o yaml', ['validate', '-f', '{run}', '--workflow-file', '{workflow}', '-o', 'yaml']],
  ['-o with no value', ['validate', '-f', '{run}', '--workflow-file', '{workflow}', '-o']],
  [
    '--unknown-parameters bogus',
    ['validate', '-f', '{run}', '--workflow-file', '{workflow}', '--unknown-parameters', 'bogus'],
  ],
  [
    '--unknown-parameters __proto__',
    ['validate', '-f', '{run}', '--workflow-file', '{workflow}', '--unknown-parameters', '__proto__'],
  ],
  ['flag value with NUL-like escapes', ['validate', '-f', '{run}\\x00', '--workflow-file', '{workflow}']],
  ['unknown subcommand', ['validat', '-f', '{run}']],
  [
    '-f with 10000-character path',
    ['validate', '-f', `{dir}/${'p'.repeat(10_000)}`, '--workflow-file', '{workflow}'],
  ],
] as const) {
  addPlugin(description, { run: RUN_YAML, workflow: WORKFLOW_YAML }, [...args], 2);
}
// Whether a kubeconfig that cannot be read is a usage error (2) or a failure (1, as kubectl says) is the plugin's call.
addPlugin(
  '--kubeconfig missing with no workflow file',
  { run: RUN_YAML },
  ['validate', '-f', '{run}', '--kubeconfig', '{dir}/missing-kubeconfig'],
  'not-0',
);

// ---- write ----

for (const folder of ['webhook', 'plugin']) rmSync(join(HERE, folder), { recursive: true, force: true });
for (const [path, body] of webhookBodies) {
  mkdirSync(dirname(join(HERE, 'webhook', path)), { recursive: true });
  writeFileSync(join(HERE, 'webhook', path), body);
}
for (const [path, body] of pluginFiles) {
  mkdirSync(dirname(join(HERE, 'plugin', path)), { recursive: true });
  writeFileSync(join(HERE, 'plugin', path), body);
}
writeFileSync(join(HERE, 'webhook', 'manifest.json'), `${JSON.stringify(webhookCases, null, 1)}\n`);
writeFileSync(join(HERE, 'plugin', 'manifest.json'), `${JSON.stringify(pluginCases, null, 1)}\n`);
console.log(`corpus: ${webhookCases.length} webhook cases, ${pluginCases.length} plugin cases`);
