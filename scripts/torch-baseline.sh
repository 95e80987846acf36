#!/usr/bin/env bash
# Runs scripts/torch-baseline.py the way PyTorch is fastest on these machines (2 cores, Zen 5): Debian's torch 1.13
# (apt-get install python3-torch libopenblas0-pthread libjemalloc2) on OpenBLAS's AVX-512 kernel (0.3.21 does not
# know Zen 5 and falls back to Haswell's AVX2 kernel unless told), two BLAS and two OpenMP threads that sleep instead
# of spinning against each other, and jemalloc keeping freed pages (glibc malloc, or jemalloc returning pages,
# faulted the activations in again every step: training ran 2-4x slower and swung from run to run).
# Usage: scripts/torch-baseline.sh --config A|B [--reps N] [--phases P,...] [--json FILE]
set -euo pipefail
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -e "$JEMALLOC" ] || { echo "torch-baseline.sh: $JEMALLOC missing: apt-get install libjemalloc2" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "torch-baseline.sh: no torch for /usr/bin/python3: apt-get install python3-torch libopenblas0-pthread" >&2; exit 1; }
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Cooperlake}" OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
  OMP_WAIT_POLICY=PASSIVE LD_PRELOAD="$JEMALLOC" MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1"
exec /usr/bin/python3 "$(dirname "$0")/torch-baseline.py" --threads 2 "$@"
