#!/usr/bin/python3
"""openslide-python reference for bench_tiles.

Reads the tiles of a bench_tiles walk file with openslide-python's
read_region((x0, y0), level, (w, h)) in exactly the walk's order, in one
process, one call after another (as the deepzoom example server does), from a
freshly opened slide. Per-tile latency is measured from the start of the
viewport step to the moment read_region returned the tile as an RGBA PIL
image. Prints a JSON report on its last line.

usage: /usr/bin/python3 openslide_reference.py SLIDE WALK
"""
import json
import math
import platform
import sys
import time

import openslide


def percentile(values, p):
    """Nearest-rank percentile, the same definition bench_tiles uses."""
    if not values:
        return 0.0
    v = sorted(values)
    rank = math.ceil(p / 100.0 * len(v))
    return v[min(max(rank, 1), len(v)) - 1]


def load_walk(path):
    steps = []
    current = None
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            step, level, _col, _row, x0, y0, w, h = (int(t) for t in line.split())
            if current is None or current[0] != step:
                current = (step, [])
                steps.append(current)
            current[1].append(((x0, y0), level, (w, h)))
    return [tiles for _, tiles in steps]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    slide_path, walk_path = sys.argv[1], sys.argv[2]
    steps = load_walk(walk_path)

    slide = openslide.OpenSlide(slide_path)  # fresh handle: cold 32 MiB tile cache
    read_region = slide.read_region
    clock = time.perf_counter
    tile_ms = []
    step_ms = []
    checksum = 0
    start = clock()
    for tiles in steps:
        t0 = clock()
        last = 0.0
        for location, level, size in tiles:
            img = read_region(location, level, size)
            ms = (clock() - t0) * 1000.0
            tile_ms.append(ms)
            last = ms
            checksum += img.size[0]
        step_ms.append(last)
    wall = clock() - start
    slide.close()

    n = len(tile_ms)
    report = {
        'tiles': n,
        'read_region_calls': n,
        'wall_s': wall,
        'tiles_per_s': n / wall if wall > 0 else 0.0,
        'p50_ms': percentile(tile_ms, 50),
        'p95_ms': percentile(tile_ms, 95),
        'p99_ms': percentile(tile_ms, 99),
        'mean_ms': sum(tile_ms) / n if n else 0.0,
        'step_p50_ms': percentile(step_ms, 50),
        'step_p95_ms': percentile(step_ms, 95),
        'checksum': checksum,
        'openslide_python': openslide.__version__,
        'openslide_library': openslide.__library_version__,
        'python': platform.python_version(),
    }
    print(json.dumps(report))
    return 0


if __name__ == '__main__':
    sys.exit(main())
