#!/bin/sh
# Builds the benchmark, generates the 50,000 x 50,000 bench slide if it is not
# there yet (about a minute and ~1 GB of disk), and runs bench_tiles with the
# openslide-python reference. Extra arguments go to bench_tiles.
#
# usage: bench/run_bench.sh [--build-dir DIR] [--no-build] [bench_tiles options]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build="$root/build/release"
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) break ;;
  esac
done

if [ "$do_build" = 1 ]; then
  if [ ! -f "$build/build.ninja" ]; then (cd "$root" && cmake --preset release); fi
  cmake --build "$build" --target make_bench_slide bench_tiles
fi

/usr/bin/python3 -c 'import openslide' 2>/dev/null || {
  echo "run_bench.sh: /usr/bin/python3 cannot import openslide (apt install python3-openslide)" >&2
  exit 1
}

"$build/bench/make_bench_slide"
exec "$build/bench/bench_tiles" "$@"
