#!/usr/bin/env bash
# Opt-in (not part of ci/test.sh): the noise kernels and the head's matrix products on a second
# OpenCL implementation, Mesa's rusticl on llvmpipe (Debian's mesa-opencl-icd), bit for bit against
# the CPU reference, with the default build and with -DRP_PORTABLE (org.reparamcl.opencl.DriverCheck;
# the TILED product does not run there: llvmpipe allows 32 work-items per group). Rusticl compiles
# each kernel when it is created, through SPIR-V and NIR: about 7 minutes for each build with an
# empty Mesa cache on the 2-vCPU machine, seconds once cached. The reparameterization kernels are
# not checked: their first build did not finish in 30 minutes.
# docs/RELIABILITY.md, "Other OpenCL implementations". Usage: ci/rusticl-check.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."

. ci/lib.sh
need=()
[ -e /etc/OpenCL/vendors/rusticl.icd ] || need+=(mesa-opencl-icd)
have_opencl_loader || need+=(ocl-icd-libopencl1)
command -v mvn >/dev/null 2>&1 || need+=(maven)
install_missing ci/rusticl-check.sh "${need[@]}"

mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt
cp="target/classes:target/test-classes:$(cat target/test-cp.txt)"
seed="${1:-$(date +%s%N)}"
# Only rusticl's ICD, and its llvmpipe device switched on (rusticl lists none by default).
export OCL_ICD_VENDORS=/etc/OpenCL/vendors/rusticl.icd RUSTICL_ENABLE=llvmpipe
jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
[ -e "$jsig" ] && export LD_PRELOAD="$jsig"
java -cp "$cp" org.reparamcl.opencl.DriverCheck llvmpipe "$seed"
java -cp "$cp" org.reparamcl.opencl.DriverCheck llvmpipe "$seed" -DRP_PORTABLE
