#!/bin/sh
# One prepared run on a GPU machine that has PyTorch (with timm) but none of
# Debian's packages: builds tools/cuda_check against PyTorch's LibTorch,
# exports a ViT-B/16 (random weights) to TorchScript, and runs the CPU/CUDA
# agreement check, the small-model throughput, and the ViT-B throughput in
# C++ and in Python. Writes logs to $OUT (or /tmp/cuda_check_out).
set -eu
out=${OUT:-/tmp/cuda_check_out}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S tools/cuda_check -B /tmp/cuda_check_build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
ninja -C /tmp/cuda_check_build >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
python3 tools/export_torchscript.py /tmp/vit_b16.pt --arch timm:vit_base_patch16_224 --size 224 2>&1 | tail -2
/tmp/cuda_check_build/cuda_check 256 64 20 2>&1 | tee "$out/cuda_check.txt"
/tmp/cuda_check_build/cuda_check --vit /tmp/vit_b16.pt 128 20 2>&1 | tee "$out/vit_cpp.txt"
python3 tools/cuda_check/vit_reference.py /tmp/vit_b16.pt 128 20 2>&1 | tee "$out/vit_python.txt"
