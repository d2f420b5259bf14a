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
node --import tsx --test --test-reporter=spec --test-concurrency=1 "${files[@]}"

if [ -f test/e2e/run.sh ] && [ "${IRQLENS_SKIP_E2E:-}" != 1 ]; then bash test/e2e/run.sh; fi
