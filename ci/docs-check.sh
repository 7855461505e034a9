#!/usr/bin/env bash
# Checks that the documents are exact: tools/cleanroom/ is an independent implementation written
# from docs/NOISE.md and docs/REPARAM.md only, and tools/cleanroom/check.py compares it bit for bit
# with ./reparam (bits, noise, forward, backward; --backend cpu and opencl) on fresh random inputs
# (the seed is printed; `python3 tools/cleanroom/check.py ./reparam --seed N` replays a run).
# Installs what it needs when missing (apt-get): NumPy, the OpenCL loader + PoCL, Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

# A python3 that imports numpy: the first python3 on PATH, else Debian's own (/usr/bin/python3,
# which is where Debian's python3-numpy goes, when another python3 such as pyenv's comes first).
find_python() {
  local c
  for c in python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import numpy' >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  return 1
}

. ci/lib.sh
need=()
py=$(find_python) || need+=(python3 python3-numpy)
have_opencl_loader || need+=(ocl-icd-libopencl1)
have_opencl_driver || need+=(pocl-opencl-icd)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  install_missing ci/docs-check.sh "${need[@]}"
  py=$(find_python) || { echo "ci/docs-check.sh: no python3 can import numpy" >&2; exit 1; }
fi

export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/target/pocl-cache}"
mkdir -p "$POCL_CACHE_DIR"
# Builds the jar if needed (the launcher does, with Maven) and shows the OpenCL device it will use.
./reparam devices
"$py" tools/cleanroom/check.py ./reparam
