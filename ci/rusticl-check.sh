#!/usr/bin/env bash
# The noise kernels, the head's matrix products and the parameter transforms (reparam_tile and
# reparam_transform_values built alone) on a second OpenCL implementation, Mesa's rusticl on llvmpipe (Debian's mesa-opencl-icd,
# installed when missing), bit for bit against the CPU reference (org.reparamcl.opencl.DriverCheck).
# TILED products run there with 4 x 4 work-groups (llvmpipe allows 32 work-items per group), and
# unlike on PoCL a missing barrier in them gives wrong bits. ci/test.sh runs it with --quick (the
# default build only); without it the -DRP_PORTABLE build is checked too. Rusticl compiles each
# kernel when it is created, through SPIR-V and NIR; with an empty Mesa cache on the 2-vCPU machine
# that is about 7 minutes for the noise kernels and 7 to 10 for the two transform kernels per
# build, seconds once cached. The forward and backward kernels are not checked: reparam_forward, alone in its program,
# was still compiling after 29 minutes. docs/RELIABILITY.md, "Other OpenCL implementations".
# Usage: ci/rusticl-check.sh [--quick] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."

. ci/lib.sh
need=()
# (the library too: a removed, not purged, package leaves its .icd file behind)
{ [ -e /etc/OpenCL/vendors/rusticl.icd ] && ldconfig -p 2>/dev/null | grep -q 'libRusticlOpenCL.so.1'; } || need+=(mesa-opencl-icd)
have_opencl_loader || need+=(ocl-icd-libopencl1)
command -v mvn >/dev/null 2>&1 || need+=(maven)
install_missing ci/rusticl-check.sh "${need[@]}"

mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt
cp="target/classes:target/test-classes:$(cat target/test-cp.txt)"
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
seed="${1:-$(date +%s%N)}"
# Only rusticl's ICD, and its llvmpipe device switched on (rusticl lists none by default).
export OCL_ICD_VENDORS=/etc/OpenCL/vendors/rusticl.icd RUSTICL_ENABLE=llvmpipe
jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
[ -e "$jsig" ] && export LD_PRELOAD="$jsig"
java -cp "$cp" org.reparamcl.opencl.DriverCheck llvmpipe "$seed"
[ "$quick" = 1 ] || java -cp "$cp" org.reparamcl.opencl.DriverCheck llvmpipe "$seed" -DRP_PORTABLE
