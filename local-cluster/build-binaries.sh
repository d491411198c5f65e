#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go modules pinned in this folder's go.mod, into $1 (default
# .cache/bin at the repository root). With a second argument `node` it also builds the kubelet,
# kube-controller-manager and kube-scheduler for the single-node cluster (make node-tools); they are asked for
# separately so `make dev` does not wait for them. A binary is rebuilt only when the pinned version changes, because
# the first build takes minutes on a 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../.cache/bin"}
with=${2:-}
mkdir -p "$out"
cd "$here"

version_of() { go list -m -f '{{.Version}}' "$1"; }
k8s_version=$(version_of k8s.io/kubernetes)
etcd_version=$(version_of go.etcd.io/etcd/server/v3)
k8s_minor=$(echo "$k8s_version" | cut -d. -f2)

build() { # name version package ldflags
  local name=$1 version=$2 pkg=$3 ldflags=$4
  local stamp="$out/$name.version"
  if [[ -x "$out/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    echo "$name $version: cached in $out"
    return
  fi
  echo "$name $version: building (the first build takes several minutes)..."
  local start=$SECONDS
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg"
  mv "$out/$name.tmp" "$out/$name"
  echo "$version" >"$stamp"
  echo "$name $version: built in $((SECONDS - start))s"
}

version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  version_flags+=" -X $pkg.gitTreeState=clean"
done
build etcd "$etcd_version" go.etcd.io/etcd/server/v3 "-s -w"
build kube-apiserver "$k8s_version" k8s.io/kubernetes/cmd/kube-apiserver "-s -w$version_flags"
if [[ "$with" == node ]]; then
  for component in kubelet kube-controller-manager kube-scheduler; do
    build "$component" "$k8s_version" "k8s.io/kubernetes/cmd/$component" "-s -w$version_flags"
  done
fi
