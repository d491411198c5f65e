#!/usr/bin/env bash
# Builds the differential test's oracle (this folder's Go program) into $1 (default .cache/bin at the repository
# root) as workflowrun-reference. It is rebuilt only when its sources, its pinned modules or the Go toolchain change:
# the stamp beside it is a hash of all three.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../../.cache/bin"}
mkdir -p "$out"
cd "$here"

name=workflowrun-reference
stamp="$out/$name.version"
version=$( (cat go.mod go.sum ./*.go; go version) | sha256sum | cut -c1-16)
if [[ -x "$out/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
  echo "$name $version: cached in $out"
  exit 0
fi
echo "$name $version: building..."
start=$SECONDS
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/$name.tmp" .
mv "$out/$name.tmp" "$out/$name"
echo "$version" >"$stamp"
echo "$name $version: built in $((SECONDS - start))s"
