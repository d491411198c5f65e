// Command workflowrun-reference is the differential test's oracle: it judges parameter schemas and values with
// Kubernetes' own apiextensions code, along the path OpenChoreo takes, so the test can compare our core with it.
//
// It reads one JSON object per line on stdin, {"schema": <openAPIV3Schema>, "value": <parameters>} ("value" may be
// left out to judge the schema alone), and writes one JSON object per line on stdout:
//
//	{"schemaAccepted": bool, "schemaErrors": [...], "defaulted": <value>, "errors": [{"path", "type", "detail"}]}
//
// The schema is accepted when OpenChoreo's Workflow webhook accepts it: local $defs inlined, vendor extensions
// (x-* but x-kubernetes-*) dropped, then both a structural schema (schema.NewStructural) and a strict decoding
// into JSONSchemaProps (no unknown fields) must succeed. A value is defaulted with the structural schema
// (defaulting.Default), then validated by validation.NewSchemaValidator over the v1 form of the resolved schema
// with its required lists sorted, as OpenChoreo's ValidateWithJSONSchema does. Field paths start at
// spec.workflow.parameters, as the API server's field errors for a custom resource do.
//
// Output is flushed whenever no more input is waiting, so a caller may stream cases or send one at a time.
//
// With -bench, it reads one case and times validate+default of its value instead (make bench; see benchmark.go).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

type testCase struct {
	Schema json.RawMessage `json:"schema"`
	Value  json.RawMessage `json:"value"`
}

type fieldError struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Detail string `json:"detail,omitempty"`
}

type verdict struct {
	SchemaAccepted bool            `json:"schemaAccepted"`
	SchemaErrors   []string        `json:"schemaErrors,omitempty"`
	Defaulted      json.RawMessage `json:"defaulted,omitempty"`
	Errors         []fieldError    `json:"errors,omitempty"`
	// Failure says why a case could not be judged at all (a line that is not JSON, a panic in the libraries).
	Failure string `json:"failure,omitempty"`
}

var parametersPath = field.NewPath("spec", "workflow", "parameters")

func main() {
	benchmarkMode := flag.Bool("bench", false, "time validate+default of the one case on stdin")
	sampleDuration := flag.Duration("sample", 300*time.Millisecond, "length of one timed sample (-bench)")
	samples := flag.Int("samples", 7, "timed samples, of which the median is reported (-bench)")
	flag.Parse()
	if *benchmarkMode {
		if err := benchmark(os.Stdin, os.Stdout, *sampleDuration, *samples); err != nil {
			fmt.Fprintln(os.Stderr, "workflowrun-reference:", err)
			os.Exit(1)
		}
		return
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if encodeErr := encoder.Encode(judgeLine(line)); encodeErr != nil {
				fmt.Fprintln(os.Stderr, "workflowrun-reference:", encodeErr)
				os.Exit(1)
			}
		}
		if err != nil || in.Buffered() == 0 {
			if flushErr := out.Flush(); flushErr != nil {
				fmt.Fprintln(os.Stderr, "workflowrun-reference:", flushErr)
				os.Exit(1)
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "workflowrun-reference:", err)
			os.Exit(1)
		}
	}
}

func judgeLine(line []byte) (result verdict) {
	defer func() {
		if recovered := recover(); recovered != nil {
			result = verdict{Failure: fmt.Sprintf("panic: %v", recovered)}
		}
	}()
	var input testCase
	if err := json.Unmarshal(line, &input); err != nil {
		return verdict{Failure: fmt.Sprintf("input line: %v", err)}
	}
	return judge(input)
}

func judge(input testCase) verdict {
	structural, validationSchema, schemaErrors := compileSchema(input.Schema)
	if len(schemaErrors) > 0 {
		return verdict{SchemaErrors: schemaErrors}
	}
	result := verdict{SchemaAccepted: true}
	if len(input.Value) == 0 {
		return result
	}
	// As encoding/json decodes a run's parameters: numbers become float64.
	var parameters any
	if err := json.Unmarshal(input.Value, &parameters); err != nil {
		result.Failure = fmt.Sprintf("value: %v", err)
		return result
	}
	defaulting.Default(parameters, structural)
	defaulted, err := json.Marshal(parameters)
	if err != nil {
		result.Failure = fmt.Sprintf("defaulted value: %v", err)
		return result
	}
	result.Defaulted = defaulted
	validator, _, err := validation.NewSchemaValidator(validationSchema)
	if err != nil {
		result.Failure = fmt.Sprintf("schema validator: %v", err)
		return result
	}
	for _, fieldErr := range validation.ValidateCustomResource(parametersPath, parameters, validator) {
		result.Errors = append(result.Errors, fieldError{
			Path:   fieldErr.Field,
			Type:   string(fieldErr.Type),
			Detail: fieldErr.Detail,
		})
	}
	return result
}

// compileSchema returns the structural schema (for defaulting) and the internal form of the resolved schema (for
// validation), or every reason OpenChoreo's Workflow webhook gives for refusing the schema.
func compileSchema(raw json.RawMessage) (*structuralschema.Structural, *apiextensions.JSONSchemaProps, []string) {
	var document map[string]any
	if err := json.Unmarshal(raw, &document); err != nil {
		return nil, nil, []string{fmt.Sprintf("failed to parse schema: %v", err)}
	}
	if document == nil {
		return nil, nil, []string{"no schema"}
	}
	resolved, err := inlineLocalRefs(document)
	if err != nil {
		return nil, nil, []string{fmt.Sprintf("failed to resolve $ref: %v", err)}
	}
	stripped := withoutVendorExtensions(resolved).(map[string]any)

	var problems []string
	structural, err := structuralOf(stripped)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if err := strictlyDecodable(stripped); err != nil {
		problems = append(problems, fmt.Sprintf("openAPIV3Schema contains unknown or invalid fields: %v", err))
	}
	if len(problems) > 0 {
		return nil, nil, problems
	}

	validationV1, err := toV1(resolved)
	if err != nil {
		return nil, nil, []string{err.Error()}
	}
	sortRequiredLists(validationV1)
	validationSchema := new(apiextensions.JSONSchemaProps)
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(validationV1, validationSchema, nil); err != nil {
		return nil, nil, []string{fmt.Sprintf("failed to convert schema: %v", err)}
	}
	return structural, validationSchema, nil
}

func structuralOf(stripped map[string]any) (*structuralschema.Structural, error) {
	v1Schema, err := toV1(stripped)
	if err != nil {
		return nil, err
	}
	internal := new(apiextensions.JSONSchemaProps)
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1Schema, internal, nil); err != nil {
		return nil, fmt.Errorf("failed to convert schema to internal type: %w", err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("failed to build structural schema: %w", err)
	}
	return structural, nil
}

// toV1 decodes a schema the lenient way OpenChoreo does: marshalled to JSON, unknown keys ignored.
func toV1(schema map[string]any) (*apiextensionsv1.JSONSchemaProps, error) {
	data, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("failed to marshal schema: %w", err)
	}
	v1Schema := new(apiextensionsv1.JSONSchemaProps)
	if err := json.Unmarshal(data, v1Schema); err != nil {
		return nil, fmt.Errorf("failed to unmarshal schema to JSONSchemaProps: %w", err)
	}
	return v1Schema, nil
}

// strictlyDecodable is the Workflow webhook's check that a schema names no field JSONSchemaProps lacks.
func strictlyDecodable(stripped map[string]any) error {
	data, err := json.Marshal(stripped)
	if err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var props apiextensionsv1.JSONSchemaProps
	return decoder.Decode(&props)
}

func sortRequiredLists(schema *apiextensionsv1.JSONSchemaProps) {
	if schema == nil {
		return
	}
	sort.Strings(schema.Required)
	for name, property := range schema.Properties {
		sortRequiredLists(&property)
		schema.Properties[name] = property
	}
	if schema.Items != nil {
		sortRequiredLists(schema.Items.Schema)
	}
	if schema.AdditionalProperties != nil {
		sortRequiredLists(schema.AdditionalProperties.Schema)
	}
}

// isVendorExtension: "x-" and at least one more character, except the x-kubernetes-* keys Kubernetes reads.
func isVendorExtension(key string) bool {
	return len(key) > 2 && strings.HasPrefix(key, "x-") && !strings.HasPrefix(key, "x-kubernetes-")
}

// withoutVendorExtensions drops vendor extension keys at every depth, whatever the key's role (OpenChoreo strips a
// property or a default's key named x-... as well).
func withoutVendorExtensions(value any) any {
	return copyKeeping(value, func(key string) bool { return !isVendorExtension(key) })
}

// copyKeeping deep-copies decoded JSON, leaving out the object keys keep refuses, at every depth.
func copyKeeping(value any, keep func(key string) bool) any {
	switch typed := value.(type) {
	case map[string]any:
		copied := make(map[string]any, len(typed))
		for key, child := range typed {
			if keep(key) {
				copied[key] = copyKeeping(child, keep)
			}
		}
		return copied
	case []any:
		copied := make([]any, len(typed))
		for index, child := range typed {
			copied[index] = copyKeeping(child, keep)
		}
		return copied
	default:
		return value
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Local $ref inlining, by OpenChoreo's rules: only "#/$defs/Name"; keys beside a $ref are laid over the inlined
// definition and the result walked again; cycles and walks deeper than 64 levels (schema levels, list items and
// $ref hops alike) are errors; a non-empty $defs is removed afterwards (an empty one stays, and strict decoding then
// refuses it).

const maxRefDepth = 64

// Keywords whose value is a schema or a list of schemas; a $ref anywhere else is left as data.
var subschemaKeywords = []string{"items", "additionalProperties", "not", "if", "then", "else", "allOf", "oneOf", "anyOf"}
var subschemaMaps = []string{"properties", "patternProperties"}

type refInliner struct {
	definitions map[string]any
}

func inlineLocalRefs(document map[string]any) (map[string]any, error) {
	root := deepCopy(document).(map[string]any)
	definitions, _ := root["$defs"].(map[string]any)
	inliner := refInliner{definitions: definitions}
	resolved, err := inliner.resolve(root, nil, 0)
	if err != nil {
		return nil, err
	}
	result := resolved.(map[string]any)
	if len(definitions) > 0 {
		delete(result, "$defs")
	}
	return result, nil
}

func (r refInliner) resolve(node any, visiting []string, depth int) (any, error) {
	if depth > maxRefDepth {
		return nil, fmt.Errorf("$ref resolution exceeded maximum depth of %d", maxRefDepth)
	}
	switch typed := node.(type) {
	case []any:
		for index, item := range typed {
			resolved, err := r.resolve(item, visiting, depth+1)
			if err != nil {
				return nil, err
			}
			typed[index] = resolved
		}
		return typed, nil
	case map[string]any:
		if ref, found := typed["$ref"]; found {
			text, isString := ref.(string)
			if !isString {
				return nil, fmt.Errorf("$ref must be a string, got %T", ref)
			}
			return r.inline(text, typed, visiting, depth)
		}
		for _, keyword := range subschemaKeywords {
			if child, found := typed[keyword]; found {
				resolved, err := r.resolve(child, visiting, depth+1)
				if err != nil {
					return nil, err
				}
				typed[keyword] = resolved
			}
		}
		for _, keyword := range subschemaMaps {
			schemas, isMap := typed[keyword].(map[string]any)
			if !isMap {
				continue
			}
			for name, child := range schemas {
				resolved, err := r.resolve(child, visiting, depth+1)
				if err != nil {
					return nil, err
				}
				schemas[name] = resolved
			}
		}
		return typed, nil
	default:
		return node, nil
	}
}

func (r refInliner) inline(ref string, node map[string]any, visiting []string, depth int) (any, error) {
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return nil, fmt.Errorf("only local $ref supported, got %q", ref)
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("only local $ref supported (must start with #/), got %q", ref)
	}
	parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	if len(parts) != 2 || parts[0] != "$defs" {
		return nil, fmt.Errorf("unsupported $ref path %q: expected #/$defs/Name", ref)
	}
	name := parts[1]
	if name == "" {
		return nil, fmt.Errorf("empty definition name in $ref %q", ref)
	}
	if slices.Contains(visiting, name) {
		return nil, fmt.Errorf("circular $ref: %s", strings.Join(append(slices.Clone(visiting), name), " → "))
	}
	if len(r.definitions) == 0 {
		return nil, fmt.Errorf("$ref %q not found: no definitions available", ref)
	}
	definition, found := r.definitions[name]
	if !found {
		return nil, fmt.Errorf("$ref %q not found in definitions", ref)
	}
	definitionMap, isMap := definition.(map[string]any)
	if !isMap {
		return nil, fmt.Errorf("$ref %q resolved to non-object type", ref)
	}
	resolved, err := r.resolve(deepCopy(definitionMap), append(slices.Clone(visiting), name), depth+1)
	if err != nil {
		return nil, err
	}
	if len(node) <= 1 {
		return resolved, nil
	}
	merged := resolved.(map[string]any)
	for key, value := range node {
		if key != "$ref" {
			merged[key] = value
		}
	}
	return r.resolve(merged, visiting, depth+1)
}

func deepCopy(value any) any {
	return copyKeeping(value, func(string) bool { return true })
}
