// The compiled form of each Workflow schema admission has needed, keyed by the schema's content hash: Workflows
// that share one schema (one per team, copied across namespaces) share one compiled validator and defaulter, a
// Workflow no run names is never compiled, and the number kept is bounded, the least recently used going first.
import { createHash } from 'node:crypto';
import { SchemaError, schemaSections, workflowLabel, type WorkflowObject } from '../core/index.ts';
import { CompiledChecks, compileWorkflow, LeastRecentlyUsed, type CompiledWorkflow } from '../core/engine.ts';

/** Compiled schemas kept by default: `--compiled-schema-cache-size`, the chart's `webhook.compiledSchemaCacheSize`. */
export const DEFAULT_COMPILED_SCHEMA_CACHE_SIZE = 1000;

export interface CompiledSchemaStats {
  size: number;
  maxEntries: number;
  hits: number;
  misses: number;
}

/** A schema that does not compile: its message names the Workflow it was compiled for. */
interface Refusal {
  error: SchemaError;
  label: string;
}

export class CompiledSchemaCache {
  readonly #entries: LeastRecentlyUsed<string, CompiledWorkflow | Refusal>;
  /**
   * ajv's checks, shared by schemas that differ only in descriptions and defaults: a Workflow whose default changes
   * (the commonest schema edit) is recompiled without compiling its checks again. As many as there are schemas.
   */
  readonly #checks: CompiledChecks;
  /** Each Workflow object's schema hash, computed once per object the informers hold (they replace, not edit). */
  readonly #hashes = new WeakMap<WorkflowObject, string | null>();
  #hits = 0;
  #misses = 0;

  constructor(readonly maxEntries = DEFAULT_COMPILED_SCHEMA_CACHE_SIZE) {
    this.#entries = new LeastRecentlyUsed(maxEntries);
    this.#checks = new CompiledChecks(maxEntries);
  }

  stats(): CompiledSchemaStats {
    return { size: this.#entries.size, maxEntries: this.maxEntries, hits: this.#hits, misses: this.#misses };
  }

  /** The Workflow's compiled schema; throws its SchemaError when it does not compile. */
  get(workflow: WorkflowObject): CompiledWorkflow {
    const hash = this.#hash(workflow);
    const cached = hash === null ? undefined : this.#entries.get(hash);
    // A refusal's message names its Workflow, so another Workflow with the same broken schema compiles its own.
    if (cached !== undefined && !('error' in cached && cached.label !== workflowLabel(workflow))) {
      this.#hits++;
      return unwrap(cached);
    }
    this.#misses++;
    let entry: CompiledWorkflow | Refusal;
    try {
      entry = compileWorkflow(workflow, this.#checks);
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      entry = { error, label: workflowLabel(workflow) };
    }
    if (hash !== null) this.#entries.set(hash, entry);
    return unwrap(entry);
  }

  #hash(workflow: WorkflowObject): string | null {
    let hash = this.#hashes.get(workflow);
    if (hash === undefined) {
      try {
        hash = createHash('sha256')
          .update(JSON.stringify(schemaSections(workflow)))
          .digest('base64');
      } catch {
        hash = null; // too deep to serialise: compileWorkflow refuses it anyway, and nothing is cached
      }
      this.#hashes.set(workflow, hash);
    }
    return hash;
  }
}

function unwrap(entry: CompiledWorkflow | Refusal): CompiledWorkflow {
  if ('error' in entry) throw entry.error;
  return entry;
}
