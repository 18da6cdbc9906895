#!/usr/bin/env bash
# The device checks of issue 20, in one command on a lent GPU machine (about 5 minutes on one H100; < 8 minutes).
#
# Before (on a machine with network, from the project root): the wheels the device image lacks, numba-cuda included
# (the image has CUDA 13 and cupy-cuda13x, hence the [cu13] extra):
#     bash ../shared/device/prepare-wheels.sh "numba-cuda[cu13]>=0.30"
# Then on the device, from the project root (.whl/ copied along):
#     OUT=/some/folder bash scripts/device_check.sh
# Everything is written under $OUT (default results/device_check): nvidia-smi.txt, pytest.txt (the `gpu` and `cudasim`
# tests run ON the device: NUMBA_ENABLE_CUDASIM=0), bench_hopfield.{txt,json}, bench_diffusion.{txt,json},
# timings.txt (seconds per step) and exit codes in status.txt. Each step has its own time limit; a failing step does
# not stop the next one.
set -u
OUT=${OUT:-results/device_check}
mkdir -p "$OUT"
: > "$OUT/status.txt"
step() {  # step NAME LIMIT_S COMMAND...: run with a time limit, record exit status and seconds
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.txt" 2>&1
  local rc=$?
  echo "$name rc=$rc seconds=$((SECONDS - t0))" | tee -a "$OUT/status.txt"
}
if ls .whl/*.whl > /dev/null 2>&1; then
  site=$(mktemp -d)
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" .whl/*.whl \
    > "$OUT/install.txt" 2>&1 && export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
  echo "install rc=$?" | tee -a "$OUT/status.txt"
fi
export NUMBA_ENABLE_CUDASIM=0 NUMBA_CUDA_LOW_OCCUPANCY_WARNINGS=0 OPENBLAS_NUM_THREADS=1
step nvidia-smi 20 nvidia-smi
step versions 60 python3 -c "import numba, numba.cuda, cupy; print(numba.__version__, cupy.__version__); numba.cuda.detect()"
# the kernels' tests on the device (T = 0 end states equal to the CPU's, shared and global overlaps), and the -m gpu ones
step pytest 200 python3 -m pytest -q -p no:benchmark -p no:xdist -p no:cacheprovider -m "gpu or cudasim" tests/
step bench_hopfield 150 python3 scripts/bench_hopfield.py --gpu --json "$OUT/bench_hopfield.json"
step bench_diffusion 150 python3 scripts/bench_diffusion.py --gpu --no-cpu --torch --json "$OUT/bench_diffusion.json"
cat "$OUT/status.txt"
