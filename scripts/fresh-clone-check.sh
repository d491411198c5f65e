#!/usr/bin/env bash
# The project stands on its own: clones a commit (default HEAD) of this repository into an empty temporary folder,
# with nothing beside it, and there runs `make test-unit` and a `make dev` smoke check:
#   - `make dev` prints Ready;
#   - the export lines and the three commands it prints work as printed (run through bash, as a user would paste
#     them): listing the samples, describing a run the webhook defaulted, and applying an invalid run, denied;
#   - Ctrl-C (SIGINT to its process group, as a terminal sends it) stops it, and no process or file is left.
# Go's module and build caches are the usual ones, so the clone's tools build reuses what `make tools` built here.
#
#   scripts/fresh-clone-check.sh [REV]        (.ci/run runs it after `make test`)
set -euo pipefail

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}")
work=$(mktemp -d "${TMPDIR:-/tmp}/ocwr-fresh-clone-XXXXXX")
empty="$work/empty" # holds the clone and nothing else
clone="$empty/openchoreo-workflowrun"
dev_tmp="$work/dev-tmp" # make dev's TMPDIR: it must be empty again after Ctrl-C
dev_log="$work/make-dev.log"
dev_pid=""

say() { printf '[fresh-clone] %s\n' "$*"; }
fail() {
  say "FAILED: $*" >&2
  [[ -f "$dev_log" ]] && { say "make dev printed:" >&2; sed 's/^/  | /' "$dev_log" >&2; }
  exit 1
}

cleanup() {
  # Only what this script started: make dev's process group, if it is still there.
  if [[ -n "$dev_pid" ]] && kill -0 "$dev_pid" 2>/dev/null; then
    kill -INT -- "-$dev_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$dev_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Processes whose command line names the clone: etcd and kube-apiserver from its .cache/bin, the webhook from its
# source. Read from /proc with shell builtins, so no helper process of ours is counted; stderr is redirected before
# the input so a process that ends between the glob and the read is skipped silently.
processes_of_clone() {
  local entry cmdline
  for entry in /proc/[0-9]*; do
    [[ "${entry#/proc/}" == "$$" ]] && continue
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$entry/cmdline") || continue
    [[ "$cmdline" == *"$clone/"* ]] && printf '  pid %s: %s\n' "${entry#/proc/}" "$cmdline"
  done
  return 0
}

say "cloning $commit into $empty (nothing beside it)"
mkdir -p "$empty" "$dev_tmp" "$work/home"
git clone --quiet --no-checkout "$repo" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"

say "make test-unit"
(cd "$clone" && make test-unit) || fail "make test-unit in the clone"

say "make dev (builds what it needs first)"
set -m # make dev gets a process group of its own, as in a terminal, so SIGINT reaches it the way Ctrl-C does
(cd "$clone" && exec env TMPDIR="$dev_tmp" make dev) >"$dev_log" 2>&1 </dev/null &
dev_pid=$!
set +m
deadline=$((SECONDS + 1800)) # a cold tools build on a busy 2-core machine takes long
until grep -q '^Ready\.' "$dev_log"; do
  kill -0 "$dev_pid" 2>/dev/null || fail "make dev exited before printing Ready"
  ((SECONDS < deadline)) || fail "make dev printed no Ready within 30 minutes"
  sleep 1
done
say "make dev printed Ready"

# The lines make dev prints for another terminal: two exports, then the three commands to try.
exports=$(sed -n '/^Ready\./,/^Logs:/p' "$dev_log" | grep -E '^  export ' || true)
mapfile -t commands < <(sed -n '/^Then try:/,/^Logs:/p' "$dev_log" | grep -E '^  kubectl ' | sed 's/^  //')
[[ $(grep -c . <<<"$exports") == 2 ]] || fail "expected two export lines after Ready"
((${#commands[@]} == 3)) || fail "expected three commands after 'Then try:', found ${#commands[@]}"

for command in "${commands[@]}"; do
  say "\$ $command"
  status=0
  # A terminal of its own: only PATH is kept, and kubectl's and the plugin's caches go to a home of their own.
  output=$(cd "$work" && env -i HOME="$work/home" PATH="$PATH" bash -c "$exports
$command" 2>&1) || status=$?
  printf '%s\n' "$output" | sed 's/^/  | /'
  case "$command" in
    "kubectl apply "*)
      ((status == 1)) || fail "the invalid run was not refused (exit $status)"
      grep -q 'denied the request' <<<"$output" || fail "the invalid run was not denied by the webhook"
      ;;
    *)
      ((status == 0)) || fail "'$command' exited with $status"
      ;;
  esac
done
grep -q 'simple-workflow-run' <<<"$(printf '%s\n' "${commands[@]}")" || fail "no run to describe was printed"

say "Ctrl-C"
kill -INT -- "-$dev_pid"
for _ in $(seq 1 120); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$dev_pid" 2>/dev/null && fail "make dev still runs 60 s after SIGINT"
wait "$dev_pid" || true
dev_pid=""
grep -q '^stopped: no processes or files left' "$dev_log" || fail "make dev did not report a clean stop"
left=$(processes_of_clone)
[[ -z "$left" ]] || fail "processes left after Ctrl-C:
$left"
# tsx keeps its compile cache in TMPDIR (tsx-<uid>) on purpose, for the next run; anything else is a leftover.
left=$(ls -A "$dev_tmp" | grep -v '^tsx-[0-9]*$' || true)
[[ -z "$left" ]] || fail "files left in make dev's TMPDIR: $left"
[[ ! -e "$clone/.cache/dev" ]] || fail "$clone/.cache/dev left after Ctrl-C"
say "passed: make test-unit, make dev and its three commands, Ctrl-C left nothing behind"
