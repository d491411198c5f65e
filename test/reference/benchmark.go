package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
)

// benchmarkResult is what -bench prints: the median time of one validate+default, two ways. Prebuilt: the schema
// validator built once, as our core compiles a Workflow once. PerCall: a validator built for every run, as
// OpenChoreo's ValidateWithJSONSchema does.
type benchmarkResult struct {
	PrebuiltNanoseconds float64 `json:"prebuiltNsPerOp"`
	PerCallNanoseconds  float64 `json:"perCallNsPerOp"`
}

func benchmark(in io.Reader, out io.Writer, sampleDuration time.Duration, samples int) error {
	var input testCase
	if err := json.NewDecoder(in).Decode(&input); err != nil {
		return fmt.Errorf("benchmark case: %w", err)
	}
	structural, validationSchema, schemaErrors := compileSchema(input.Schema)
	if len(schemaErrors) > 0 {
		return fmt.Errorf("benchmark schema refused: %v", schemaErrors)
	}
	var parameters any
	if err := json.Unmarshal(input.Value, &parameters); err != nil {
		return fmt.Errorf("benchmark value: %w", err)
	}
	prebuilt, _, err := validation.NewSchemaValidator(validationSchema)
	if err != nil {
		return err
	}
	// Defaulting works in place, so every operation defaults a fresh copy, as our core defaults into a copy.
	withPrebuilt := func() bool {
		value := runtime.DeepCopyJSONValue(parameters)
		defaulting.Default(value, structural)
		return prebuilt.Validate(value).IsValid()
	}
	withPerCall := func() bool {
		value := runtime.DeepCopyJSONValue(parameters)
		defaulting.Default(value, structural)
		validator, _, err := validation.NewSchemaValidator(validationSchema)
		return err == nil && validator.Validate(value).IsValid()
	}
	if !withPrebuilt() || !withPerCall() {
		return errors.New("benchmark value is not valid")
	}
	result := benchmarkResult{
		PrebuiltNanoseconds: medianNanoseconds(withPrebuilt, sampleDuration, samples),
		PerCallNanoseconds:  medianNanoseconds(withPerCall, sampleDuration, samples),
	}
	return json.NewEncoder(out).Encode(result)
}

// medianNanoseconds calibrates a loop to about sampleDuration, then returns the median time per call of samples
// such loops.
func medianNanoseconds(operation func() bool, sampleDuration time.Duration, samples int) float64 {
	iterations := 1
	for {
		started := time.Now()
		for index := 0; index < iterations; index++ {
			operation()
		}
		if elapsed := time.Since(started); elapsed >= sampleDuration/4 {
			iterations = max(1, int(float64(iterations)*float64(sampleDuration)/float64(elapsed)))
			break
		}
		iterations *= 2
	}
	perCall := make([]float64, samples)
	for sample := range perCall {
		started := time.Now()
		for index := 0; index < iterations; index++ {
			operation()
		}
		perCall[sample] = float64(time.Since(started).Nanoseconds()) / float64(iterations)
	}
	sort.Float64s(perCall)
	if samples%2 == 1 {
		return perCall[samples/2]
	}
	return (perCall[samples/2-1] + perCall[samples/2]) / 2
}
