#!/usr/bin/env bash
# Installs every Debian 12 package HEScape Studio needs to build, run, test and
# benchmark. Idempotent: packages already present are left alone, and apt is
# only updated when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git dpkg-dev file
  # the sanitizer stage and the fuzz targets: clang with ASan, UBSan and libFuzzer (docs/fuzzing.md)
  clang libclang-rt-14-dev
  # the stack (docs/stack.md §1: libqt6opengl6-dev must be named explicitly)
  qt6-base-dev libqt6opengl6-dev libqt6svg6
  libtorch-dev libopenslide-dev libvtk9-dev libhdf5-dev
  libtiff-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev
  # OME-TIFF: JPEG 2000 tiles and OME-XML (docs/slides.md)
  libopenjp2-7-dev libpugixml-dev
  # OME-Zarr: Zarr chunk codecs (docs/slides.md)
  libblosc-dev libzstd-dev
  # Parquet pages (core/io/ParquetFile): Snappy, the codec 10x's and Arrow's files use
  libsnappy-dev
  # tiffcp: the OME-TIFF test corpus recompresses one file as LZW (tifffile has no LZW encoder here)
  libtiff-tools
  # Gloo's headers, which LibTorch's c10d headers include (multi-process training)
  libgloo-dev
  # fast BLAS matching torch's OpenMP backend (docs/stack.md §4)
  libopenblas0-openmp
  # headless GL for tests and screenshots
  xvfb xauth libgl1-mesa-dri mesa-utils
  # independent references used by tests and benchmarks (/usr/bin/python3)
  python3 python3-numpy python3-scipy python3-sklearn python3-torch
  python3-anndata python3-h5py python3-openslide python3-pil umap-learn
  python3-tifffile python3-zarr python3-numcodecs
  # the Parquet tests: pandas reads the CSV twins; snappy and zstandard compress the generated corpus
  python3-pandas python3-snappy python3-zstandard
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
"${SUDO[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
