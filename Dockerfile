# The admission webhook's image. The build stage bundles the webhook with its dependencies into dist/ (see
# scripts/build.mjs), so the runtime stage needs no node_modules at all: only Node and the bundle.
#   make image IMAGE=registry.example.com/openchoreo/workflowrun-webhook:0.1.0
# Both build arguments exist for machines that cannot pull or download (the single-node cluster's tests build
# everything locally, see local-cluster/images.ts):
#   BASE_IMAGE  the image with Node 20 that both stages start from;
#   BUNDLE      `build` bundles inside the image (npm ci, needs the npm registry); `prebuilt` takes dist/ as
#               `make build` left it in the build context.
ARG BASE_IMAGE=node:20-bookworm-slim
ARG BUNDLE=build

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/
COPY scripts/shims/ scripts/shims/
COPY core/ core/
COPY webhook/ webhook/
COPY kubectl-plugin/ kubectl-plugin/
RUN node scripts/build.mjs

FROM scratch AS prebuilt
COPY dist/workflowrun-webhook.mjs /src/dist/
COPY dist/chunks/ /src/dist/chunks/

FROM ${BUNDLE} AS bundle

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# The entry file and the chunks it imports; the plugin's entry files and source maps stay behind.
COPY --from=bundle /src/dist/workflowrun-webhook.mjs dist/
COPY --from=bundle /src/dist/chunks/ dist/chunks/
# A numeric user, so Kubernetes can enforce runAsNonRoot without looking the name up in the image.
USER 65532:65532
EXPOSE 9443
ENTRYPOINT ["node", "/app/dist/workflowrun-webhook.mjs"]
