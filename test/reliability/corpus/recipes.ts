// The corpus's data model, the Workflows its runs name, and the recipes that build its multi-megabyte bodies at
// test time (stored as recipes rather than files to keep the repository small).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowObject } from '../../../core/index.ts';

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));

/** A number: exactly that HTTP status; 'review': HTTP 200 with an AdmissionReview; 'review-or-4xx': either. */
export type WebhookExpectation = number | 'review' | 'review-or-4xx';

export type Recipe =
  | { recipe: 'oversized'; bytes: number; declareLength: boolean }
  | { recipe: 'huge-string'; bytes: number }
  | { recipe: 'huge-array'; items: number; endpoint?: string }
  | { recipe: 'many-keys'; keys: number }
  | { recipe: 'deep-parameters'; depth: number; endpoint?: string }
  | { recipe: 'deep-schema'; depth: number }
  | { recipe: 'huge-yaml'; bytes: number };

export interface WebhookCase {
  id: string;
  category: string;
  description: string;
  endpoint: string;
  method: string;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  expect: WebhookExpectation;
  /** The request uid the answer must echo, when the body carries a usable one. */
  uid?: string;
  body: { file?: string } | Recipe;
}

export interface PluginCase {
  id: string;
  description: string;
  /** By placeholder name (`{run}`, `{workflow}` in args). */
  files: Record<string, { file?: string } | Recipe>;
  args: string[];
  /** 2: usage/input error, one line on stderr; 'not-0': 1 or 2; 'any': 0, 1 or 2; never a stack trace. */
  expect: 2 | 'not-0' | 'any';
}

export function webhookCases(): WebhookCase[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'webhook', 'manifest.json'), 'utf8')) as WebhookCase[];
}

export function pluginCases(): PluginCase[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'plugin', 'manifest.json'), 'utf8')) as PluginCase[];
}

function isRecipe(body: { file?: string } | Recipe): body is Recipe {
  return 'recipe' in body;
}

// The Workflows the corpus's runs name, as JSON text so that `__proto__` and friends are plain keys.
const WORKFLOWS_JSON = `[
 {"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"build","namespace":"default","uid":"u-build","resourceVersion":"1"},
  "spec":{"parameters":{"openAPIV3Schema":{"type":"object","required":["repository"],"properties":{
   "repository":{"type":"object","required":["url"],"properties":{"url":{"type":"string","pattern":"^https://"},"branch":{"type":"string","default":"main"}}},
   "count":{"type":"integer","minimum":1,"maximum":10,"default":3},
   "mode":{"type":"string","enum":["fast","thorough"],"default":"fast"},
   "tags":{"type":"array","items":{}},
   "nested":{"x-kubernetes-preserve-unknown-fields":true,"type":"object"}}}}}},
 {"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"other","namespace":"default","uid":"u-other","resourceVersion":"1"},
  "spec":{"schema":{"parameters":{"a":"string | default=x"}}}},
 {"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"proto-keys","namespace":"default","uid":"u-proto","resourceVersion":"1"},
  "spec":{"parameters":{"openAPIV3Schema":{"type":"object","properties":{
   "__proto__":{"type":"string","default":"from-default"},
   "constructor":{"type":"string","default":"ctor-default"},
   "prototype":{"type":"object","properties":{"polluted":{"type":"string","default":"yes"}}}}}}}},
 {"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"redos","namespace":"default","uid":"u-redos","resourceVersion":"1"},
  "spec":{"parameters":{"openAPIV3Schema":{"type":"object","properties":{
   "nested":{"type":"string","pattern":"^(a+)+$"},"alternation":{"type":"string","pattern":"^(a|aa)+$"},"email":{"type":"string","pattern":"^([a-zA-Z0-9])(([.-]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"}}}}}},
 {"apiVersion":"openchoreo.dev/v1alpha1","kind":"ClusterWorkflow","metadata":{"name":"build","uid":"u-cbuild","resourceVersion":"1"},
  "spec":{"schema":{"parameters":{"repository":{"url":"string | pattern=^https://"}}}}}
]`;

export function corpusWorkflows(): WorkflowObject[] {
  return JSON.parse(WORKFLOWS_JSON) as WorkflowObject[];
}

function review(uid: string, objectText: string, kind = 'WorkflowRun'): string {
  return (
    `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"${uid}",` +
    `"kind":{"group":"openchoreo.dev","version":"v1alpha1","kind":"${kind}"},"namespace":"default",` +
    `"operation":"CREATE","object":${objectText}}}`
  );
}

function run(parametersText: string): string {
  return (
    '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"WorkflowRun","metadata":{"name":"big","namespace":"default"},' +
    `"spec":{"workflow":{"kind":"Workflow","name":"build","parameters":${parametersText}}}}`
  );
}

export interface BuiltBody {
  body: Buffer;
  uid?: string;
  /** false: send without Content-Length (chunked). */
  declareLength: boolean;
}

function buildRecipe(recipe: Recipe, id: string): BuiltBody {
  const uid = `recipe-${id}`;
  const url = '"repository":{"url":"https://x"}';
  switch (recipe.recipe) {
    case 'oversized': {
      const head = Buffer.from(review(uid, run(`{${url},"pad":"`)));
      const body = Buffer.alloc(recipe.bytes, 0x61);
      head.copy(body);
      return { body, declareLength: recipe.declareLength };
    }
    case 'huge-string':
      return {
        body: Buffer.from(review(uid, run(`{"repository":{"url":"https://${'x'.repeat(recipe.bytes)}"}}`))),
        uid,
        declareLength: true,
      };
    case 'huge-array':
      return {
        body: Buffer.from(
          review(uid, run(`{${url},"tags":[${new Array(recipe.items).fill('0').join(',')}]}`)),
        ),
        uid,
        declareLength: true,
      };
    case 'many-keys': {
      const keys = Array.from({ length: recipe.keys }, (_, i) => `"k${i}":${i}`).join(',');
      return { body: Buffer.from(review(uid, run(`{${url},"nested":{${keys}}}`))), uid, declareLength: true };
    }
    case 'deep-parameters':
      return {
        body: Buffer.from(
          review(uid, run(`{${url},"nested":${'{"a":'.repeat(recipe.depth)}1${'}'.repeat(recipe.depth)}}`)),
        ),
        uid,
        declareLength: true,
      };
    case 'deep-schema': {
      const schema = `${'{"type":"object","properties":{"a":'.repeat(recipe.depth)}{"type":"string"}${'}}'.repeat(recipe.depth)}`;
      const workflow = `{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workflow","metadata":{"name":"deep","namespace":"default"},"spec":{"parameters":{"openAPIV3Schema":${schema}}}}`;
      return { body: Buffer.from(review(uid, workflow, 'Workflow')), uid, declareLength: true };
    }
    case 'huge-yaml': {
      const head =
        'apiVersion: openchoreo.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: big}\nspec:\n  workflow:\n    kind: Workflow\n    name: build\n    parameters:\n      nested:\n';
      const lines: string[] = [];
      for (let size = head.length, i = 0; size < recipe.bytes; i++) {
        const line = `        key${i}: "some value that repeats"\n`;
        lines.push(line);
        size += line.length;
      }
      return { body: Buffer.from(head + lines.join('')), declareLength: true };
    }
  }
}

/** The bytes a webhook case sends (read from its file or built from its recipe), and the uid to expect back. */
export function webhookBody(testCase: WebhookCase): BuiltBody {
  if (isRecipe(testCase.body)) {
    const built = buildRecipe(testCase.body, testCase.id);
    return { ...built, uid: testCase.uid ?? built.uid };
  }
  const body = readFileSync(join(CORPUS_DIR, 'webhook', testCase.body.file!));
  return { body, uid: testCase.uid, declareLength: true };
}

export function pluginFile(entry: { file?: string } | Recipe, id: string): Buffer {
  if (isRecipe(entry)) return buildRecipe(entry, id).body;
  return readFileSync(join(CORPUS_DIR, 'plugin', entry.file!));
}
