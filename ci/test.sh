#!/usr/bin/env bash
# Installs what the tests need (an OpenCL ICD loader and PoCL, the CPU OpenCL driver) when it is
# missing, then runs the whole test suite with Maven, a smoke run of the JMH suite, the docs' clean-room check and the
# driver check on Mesa's rusticl (ci/rusticl-check.sh). Used by CI (.ci/run) and by new users.
set -euo pipefail
cd "$(dirname "$0")/.."

. ci/lib.sh
need=()
have_opencl_loader || need+=(ocl-icd-libopencl1)
have_opencl_driver || need+=(pocl-opencl-icd)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v python3 >/dev/null 2>&1 || need+=(python3)   # ci/bench-smoke.sh checks with it (ci/docs-check.sh installs NumPy itself)
install_missing ci/test.sh "${need[@]}"

export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/target/pocl-cache}"
mkdir -p "$POCL_CACHE_DIR"
# PoCL sees the machine's cores; tests must see OpenCL, so fail loudly if it is not there.
export REPARAM_REQUIRE_OPENCL="${REPARAM_REQUIRE_OPENCL:-1}"
mvn -B verify "$@"
# Three checks beyond the unit tests (REPARAM_TESTS_ONLY=1 leaves them out, e.g. with -Dtest=...):
# the JMH suite, a separate Maven project, is built and each benchmark run once, briefly; the
# clean-room model written from the docs (tools/cleanroom/) must reproduce the CLI bit for bit; and
# the noise kernels and head products must give the same bits on a second OpenCL implementation,
# Mesa's rusticl (installed after the tests, so that they run as on a machine without it).
if [ "${REPARAM_TESTS_ONLY:-0}" != 1 ]; then
  bash ci/bench-smoke.sh
  bash ci/docs-check.sh
  bash ci/rusticl-check.sh --quick
fi
