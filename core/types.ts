// Shapes of the OpenChoreo objects and JSON values the core works on. They describe data as it arrives from YAML,
// kubectl or an AdmissionReview: every field is optional because none of it can be trusted to be there.

export type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;
export interface JSONObject {
  [key: string]: JSONValue;
}

/** A JSON Schema / OpenAPI v3 schema node as plain data. */
export type JSONSchema = JSONObject;

export type WorkflowKind = 'Workflow' | 'ClusterWorkflow';

/** OpenChoreo's API group and the one version its Workflow and WorkflowRun resources are served at. */
export const GROUP = 'openchoreo.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The annotations the WorkflowRun API reference defines. */
export const DISPLAY_NAME_ANNOTATION = `${GROUP}/display-name`;
export const DESCRIPTION_ANNOTATION = `${GROUP}/description`;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface WorkflowSpec {
  /** v0.17 shorthand format. */
  schema?: { parameters?: JSONObject; types?: JSONObject };
  /** v1.x OpenAPI v3 format. */
  parameters?: { openAPIV3Schema?: JSONObject };
  ttlAfterCompletion?: string;
  [key: string]: unknown;
}

export interface WorkflowObject {
  apiVersion?: string;
  kind?: WorkflowKind;
  metadata?: ObjectMeta;
  spec?: WorkflowSpec;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ResourceReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface TaskStatus {
  name?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Error' | string;
  startedAt?: string;
  completedAt?: string;
  message?: string;
}

export interface WorkflowRunStatus {
  conditions?: Condition[];
  runReference?: ResourceReference;
  resources?: ResourceReference[];
  tasks?: TaskStatus[];
  startedAt?: string;
  completedAt?: string;
}

export interface WorkflowRunObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    workflow?: { kind?: WorkflowKind; name?: string; parameters?: JSONObject };
    ttlAfterCompletion?: string;
    [key: string]: unknown;
  };
  status?: WorkflowRunStatus;
}

/**
 * A Kubernetes-style field error: `field` is a full path such as `spec.workflow.parameters.repository.url`
 * (map keys and list indexes in brackets: `labels[app]`, `tags[0]`), `message` what kubectl prints after it,
 * such as `Required value`. Printed as `${field}: ${message}`.
 */
export interface FieldError {
  field: string;
  message: string;
}

export type UnknownParameterPolicy = 'deny' | 'warn' | 'allow';
