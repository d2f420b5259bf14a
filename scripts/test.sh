#!/usr/bin/env bash
# The whole test suite: build, typecheck, lint, unit and black-box tests, real-tree tests, editor tests.
# Real trees come from Debian source packages into a cache outside the repository (scripts/fetch-trees.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
npm run build
npx tsc -b
npx eslint .

# IRQLENS_XEN / IRQLENS_QEMU / IRQLENS_LINUX for the tests that read real trees.
while IFS='=' read -r key value; do export "IRQLENS_$key=$value"; done < <(bash scripts/fetch-trees.sh)

mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/e2e/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "test.sh: no test files found" >&2; exit 1; fi
# The spec report for people, a TAP copy to count the tests: a run in which no test ran is a failure too.
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --import tsx --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}"
ran=$(awk '/^# tests /{print $3}' "$tap" | tail -n 1)
if [ -z "$ran" ] || [ "$ran" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
echo "test.sh: $ran tests ran" >&2

if [ -f test/e2e/run.sh ] && [ "${IRQLENS_SKIP_E2E:-}" != 1 ]; then bash test/e2e/run.sh; fi
