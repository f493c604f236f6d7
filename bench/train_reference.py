#!/usr/bin/python3
"""Python reference for the training benchmark (issue 4): HEScape's CLIP training
pipeline written with Debian's python3-torch, fed by openslide-python.

It mirrors the C++ engine (core/engine/) step by step, so that the benchmark
compares two implementations of the same work, not two different workloads:

  TrainConfigFile.cpp          -> read_config(): the same JSON file, fields, ranges and defaults
  ExpressionPreprocessing.cpp  -> select_genes(), expression_features(): normalise to the
                                  median library size (or 10,000), log1p, top-N highly
                                  variable genes over all sections
  PatchExtractor.cpp           -> extract_patches(): square patch of patch_size_um centred
                                  on each spot, read with openslide-python at the level the
                                  C++ chooses, background / off-slide checks, resampled to
                                  patch_pixels; T worker threads pull spot indices from a
                                  shared counter (openslide, PIL and numpy release the GIL)
  Encoders.cpp                 -> SmallResNet, GeneMlp, ClipModel (same layers, same order
                                  of weight initialisation, so the same seed gives the same
                                  initial weights as LibTorch 1.13 in C++)
  ContrastiveLoss.cpp          -> ContrastiveLoss: CLIP (or SigLIP), learnable temperature
  PatchAugmentation.cpp        -> augment_patches(): per-patch flips, 90-degree rotations
                                  (the default), and when the config asks, random resized
                                  crop, colour jitter, Gaussian blur
  ClipTrainer.cpp              -> prepare() / main(): AdamW, linear warm-up + cosine decay,
                                  gradient clipping, batches of uint8 patches / 255,
                                  augmentation, last partial batch dropped (early stopping
                                  and bf16 autocast on CUDA as well). The shuffles and the
                                  augmentation draws use ports of std::mt19937_64,
                                  std::shuffle, std::uniform_int_distribution and
                                  std::uniform_real_distribution exactly as libstdc++ 12
                                  implements them (checked against g++ 12 output), so the
                                  batches and their augmentations are the C++ trainer's.

usage: /usr/bin/python3 bench/train_reference.py CONFIG.json [--steps N] [--threads T]
                                  [--resampler pil|area] [--validate] [--print-steps]

Phases, each timed with time.perf_counter() (wall) and time.process_time() (CPU
time of all threads of this process):
  prepare  read every section's .h5ad, select genes, extract the TRAIN sections'
           patches, build the model (what ClipTrainer::prepare does, minus the
           validation / test patches, which the benchmark does not need)
  train    N optimisation steps (default: epochs x steps per epoch). The
           learning-rate schedule is the configuration's (epochs x steps per
           epoch long), so N up to that is exactly the C++ run cut after N
           steps, as bench_train does; a larger N cycles through more epochs and
           stretches the schedule to max(epochs, ceil(N / steps per epoch)) epochs
cpu_busy = process CPU seconds / (wall seconds x T). Progress goes to stderr; the
last line on stdout is one JSON object:
  {"impl": "python-torch", "threads": T, "pairs": ..., "skipped": ..., "genes": ...,
   "prepare_s": ..., "prepare_cpu_busy": ..., "train_steps": ..., "train_s": ...,
   "train_pairs_per_s": ..., "train_cpu_busy": ..., "final_loss": ...}

Options beyond the benchmark's:
  --resampler area  resample patches with a numpy port of the C++ area filter
                    instead of PIL's BOX filter. The patches are then the C++
                    ones (on the demo byte for byte the same as the C++ patch
                    store's), and a run gives `hescape train`'s losses: on the
                    demo the same to the last bit for the first 117 of 156 steps
                    and within 5e-7 after, the same validation losses. The
                    benchmark's default is PIL, the ordinary Python way.
  --print-steps     every step's loss, learning rate and temperature on stderr
  --validate        also extract the validation sections' patches and evaluate
                    before training and at the end of every epoch as
                    ClipTrainer does (HESCAPE's in-batch protocol, batches of
                    64); outside the timed phases, printed on stderr only, to
                    compare the loss curve with the C++ one

Differences from the C++ pipeline that remain (see also the comments in place):
  * Resampling (default --resampler pil): PIL's BOX filter is not quite the C++
    area average. PIL gives weight 1 to every source pixel whose centre lies in
    the output pixel's footprint; the C++ weighs source pixels by the fraction
    of them the footprint covers, in double precision. On the demo (159 -> 48
    px) 57-71 % of the patch bytes differ, by 1.2-1.7 on average (at most 33),
    so the losses are close to, not equal to, the C++ ones. The cost is of the
    same order (PIL's is lower). --resampler area removes this difference.
  * Regions with partly transparent pixels (never inside a generic-TIFF slide,
    which is all opaque) are composited on white and rounded to 8 bits before
    resampling; the C++ composites inside its resampler, in double.
  * numpy's log1p differs from glibc's std::log1p by 1 ulp on about 4 % of
    values (the sums run in the C++ order): on the demo the same genes are
    selected and the float32 expression features are bit-identical.
  * After ~100 steps the losses can differ from the C++ ones in the last
    float32 bit (see --resampler area); the ops, their order and the random
    numbers are the same, so this is a rounding detail inside LibTorch calls
    reached through different wrappers, not a different computation.
  * No patch store: the C++ keeps extracted patches in an HDF5 cache
    ("patch_store", on by default) and a second run reads them back instead of
    decoding the slides; the reference extracts every time. For comparable
    prepare times, run the C++ side with "patch_store": false.
  * Only .h5ad data sets are read (the C++ also reads Visium, Xenium and ST
    folders); TorchScript encoders ("image_encoder" / "gene_encoder") are
    refused; "checkpoint" and "results" are checked but no file is written:
    the benchmark trains the small CNN + MLP and times the training alone.
  * Validation: ClipTrainer::prepare also extracts the validation and test
    sections and train() evaluates the validation split after every epoch;
    the reference does neither in its timed phases (--validate does both,
    untimed). Give the C++ side a config without validation / test sections
    (or subtract its evaluation) when comparing times.
"""
import argparse
import contextlib
import functools
import json
import math
import os
import sys
import threading
import time

import numpy as np
import anndata
import openslide
from PIL import Image
import torch
import torch.nn as nn
import torch.nn.functional as F


_PIL_BOX = getattr(Image, "Resampling", Image).BOX  # Pillow >= 9.1 names it Image.Resampling.BOX


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def lround(x):
    """std::lround / std::llround: halves away from zero (Python's round() goes to even)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


# --------------------------------------------------------------------------
# Configuration: core/engine/TrainConfigFile.cpp (every field optional except
# sections and train; unknown fields are errors; same ranges and defaults).
# --------------------------------------------------------------------------

class ConfigError(Exception):
    pass


KNOWN_FIELDS = {"sections", "train", "validation", "test", "patch_size_um", "patch_pixels",
                "highly_variable_genes", "genes", "normalise_to", "objective", "embed_dim",
                "image_width", "gene_hidden", "batch_size", "epochs", "learning_rate",
                "weight_decay", "warmup_steps", "gradient_clip", "augment", "seed", "device",
                "checkpoint", "checkpoint_every", "image_encoder", "gene_encoder",
                "early_stopping_patience", "precision", "patch_store", "results"}


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def read_config(path):
    """Returns a dict with the C++ TrainConfig's fields (and the C++ defaults)."""
    try:
        with open(path) as f:
            root = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{path}: {e}")

    def fail(field, what):
        raise ConfigError(f"{path}: field '{field}': {what}")

    def number(field, fallback, lo, hi, obj=None):
        obj = root if obj is None else obj
        if field not in obj:
            return fallback
        v = obj[field]
        if not _is_number(v):
            fail(field, "must be a number")
        if not (lo <= v <= hi):
            fail(field, f"must be between {lo} and {hi}")
        return float(v)

    def integer(field, fallback, lo, hi):
        x = number(field, fallback, lo, hi)
        if x != int(x):
            fail(field, "must be a whole number")
        return int(x)

    def strings(field):
        v = root.get(field, [])
        if not isinstance(v, list) or not all(isinstance(e, str) for e in v):
            fail(field, "must be a list of names")
        return list(v)

    folder = os.path.dirname(os.path.abspath(path))

    def resolve(p):  # relative paths resolve against the config file's folder
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(folder, p))

    if not isinstance(root, dict):
        raise ConfigError(f"{path}: the configuration must be a JSON object")
    for k in root:
        if k not in KNOWN_FIELDS:
            fail(k, "is not a known setting (see docs/training.md)")
    sections = root.get("sections")
    if not isinstance(sections, list) or not sections:
        fail("sections", "must be a non-empty list")
    c = {"sections": []}
    for s in sections:
        if not isinstance(s, dict) or not all(isinstance(s.get(k), str) for k in ("name", "slide", "dataset")):
            fail("sections", 'each entry needs "name", "slide" and "dataset" strings')
        c["sections"].append({"name": s["name"], "slide": resolve(s["slide"]), "dataset": resolve(s["dataset"])})
    c["train"] = strings("train")
    if not c["train"]:
        fail("train", "must name at least one section")
    c["validation"] = strings("validation")
    c["test"] = strings("test")
    # PatchOptions (maxBackgroundFraction / backgroundLevel are not in the file).
    c["patch_size_um"] = number("patch_size_um", 110, 1, 10000)
    c["patch_pixels"] = integer("patch_pixels", 64, 8, 1024)
    c["max_background_fraction"] = 0.9
    c["background_level"] = 220
    # ExpressionOptions
    c["highly_variable_genes"] = integer("highly_variable_genes", 256, 0, 1000000)
    c["genes"] = strings("genes")
    c["normalise_to"] = "median"
    if "normalise_to" in root:
        t = root["normalise_to"]
        if t == "median":
            c["normalise_to"] = "median"
        elif _is_number(t) and t == 1e4:
            c["normalise_to"] = "10000"
        else:
            fail("normalise_to", 'must be "median" or 10000')
    c["objective"] = "clip"
    if "objective" in root:
        if root["objective"] not in ("clip", "siglip"):
            fail("objective", 'must be "clip" or "siglip"')
        c["objective"] = root["objective"]
    c["embed_dim"] = integer("embed_dim", 128, 2, 8192)
    c["image_width"] = integer("image_width", 16, 4, 512)
    c["gene_hidden"] = integer("gene_hidden", 256, 4, 16384)
    c["batch_size"] = integer("batch_size", 32, 2, 65536)
    c["epochs"] = integer("epochs", 5, 1, 100000)
    c["learning_rate"] = number("learning_rate", 1e-3, 1e-9, 10)
    c["weight_decay"] = number("weight_decay", 1e-4, 0, 10)
    c["warmup_steps"] = integer("warmup_steps", 10, 0, 10000000)
    c["gradient_clip"] = number("gradient_clip", 1.0, 1e-6, 1e6)
    # "augment": true / false, or an object of augmentations (AugmentOptions:
    # flips and rotations by default, the others off).
    c["augment"] = True
    c["augmentation"] = {"flips": True, "rotations": True, "crop_scale": 1.0, "color_jitter": 0.0,
                         "blur_probability": 0.0}
    if "augment" in root:
        a = root["augment"]
        if isinstance(a, bool):
            c["augment"] = a
        elif isinstance(a, dict):
            for k in a:
                if k not in c["augmentation"]:
                    fail("augment." + k, "is not a known augmentation (flips, rotations, crop_scale, color_jitter, "
                                         "blur_probability)")
            for k in ("flips", "rotations"):
                if k in a:
                    if not isinstance(a[k], bool):
                        fail("augment." + k, "must be true or false")
                    c["augmentation"][k] = a[k]
            c["augmentation"]["crop_scale"] = number("crop_scale", 1.0, 0.1, 1.0, a)
            c["augmentation"]["color_jitter"] = number("color_jitter", 0.0, 0.0, 0.9, a)
            c["augmentation"]["blur_probability"] = number("blur_probability", 0.0, 0.0, 1.0, a)
        else:
            fail("augment", "must be true, false or an object of augmentations")
    c["early_stopping_patience"] = integer("early_stopping_patience", 0, 0, 100000)
    c["seed"] = int(number("seed", 0, 0, 9007199254740992.0))  # static_cast<uint64_t>: truncates
    c["use_cuda"] = False
    if "device" in root:
        if root["device"] not in ("cpu", "cuda"):
            fail("device", 'must be "cpu" or "cuda"')
        c["use_cuda"] = root["device"] == "cuda"
    c["checkpoint"] = None
    if "checkpoint" in root:
        if not isinstance(root["checkpoint"], str) or not root["checkpoint"]:
            fail("checkpoint", "must be a file path")
        c["checkpoint"] = resolve(root["checkpoint"])
    c["checkpoint_every"] = integer("checkpoint_every", 50, 1, 100000000)
    c["bf16"] = False
    if "precision" in root:
        if root["precision"] not in ("fp32", "bf16"):
            fail("precision", 'must be "fp32" or "bf16"')
        c["bf16"] = root["precision"] == "bf16"
        if c["bf16"] and not c["use_cuda"]:
            fail("precision", '"bf16" needs "device": "cuda"')
    for field, builtin in (("image_encoder", "small_cnn"), ("gene_encoder", "mlp")):
        if field in root:
            e = root[field]
            if not isinstance(e, (str, dict)):
                fail(field, f'must be "{builtin}", a TorchScript file, or {{"torchscript": FILE, "trainable": true|false}}')
            if e != builtin:
                # Difference: the reference trains the built-in encoders only.
                fail(field, "TorchScript encoders are not supported by the Python reference")
    # The C++ patch store (an HDF5 cache of extracted patches, on by default)
    # and the results file: checked, then ignored (the reference always
    # extracts its patches and writes no files).
    c["patch_store"] = "default"
    if "patch_store" in root:
        p = root["patch_store"]
        if p is False:
            c["patch_store"] = None
        elif isinstance(p, str) and p:
            c["patch_store"] = resolve(p)
        else:
            fail("patch_store", "must be a folder, or false for none")
    c["results"] = None
    if "results" in root:
        if not isinstance(root["results"], str) or not root["results"]:
            fail("results", "must be a file path (.h5)")
        c["results"] = resolve(root["results"])
    return c


# --------------------------------------------------------------------------
# libstdc++ 12 random numbers: std::mt19937_64, std::uniform_int_distribution
# (Lemire's nearly divisionless method with 128-bit products) and std::shuffle
# (two swap positions from one draw while the range allows). ClipTrainer draws
# its epoch shuffles and augmentation choices from one std::mt19937_64 seeded
# with the config's seed; porting these makes the Python batches and
# augmentations identical to the C++ ones.
# --------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


class Mt19937_64:
    N, M = 312, 156
    MATRIX_A = 0xB5026F5AA96619E9
    UPPER, LOWER = 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed):
        mt = [seed & _MASK64]
        for i in range(1, self.N):
            mt.append((6364136223846793005 * (mt[-1] ^ (mt[-1] >> 62)) + i) & _MASK64)
        self.mt, self.index = mt, self.N

    def _twist(self):
        mt, n, m = self.mt, self.N, self.M
        for i in range(n):
            x = (mt[i] & self.UPPER) | (mt[(i + 1) % n] & self.LOWER)
            xa = x >> 1
            if x & 1:
                xa ^= self.MATRIX_A
            mt[i] = mt[(i + m) % n] ^ xa
        self.index = 0

    def __call__(self):
        if self.index >= self.N:
            self._twist()
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & _MASK64


def uniform_int(rng, a, b):
    """std::uniform_int_distribution<...>(a, b)(rng) for a 64-bit generator, as libstdc++ 12 does it."""
    urange = b - a
    if urange == _MASK64:
        return a + rng()
    erange = urange + 1
    product = rng() * erange  # _S_nd<unsigned __int128>
    low = product & _MASK64
    if low < erange:
        threshold = ((1 << 64) - erange) % erange
        while low < threshold:
            product = rng() * erange
            low = product & _MASK64
    return a + (product >> 64)


def uniform01(rng):
    """std::uniform_real_distribution<double>(0, 1)(rng): libstdc++'s
    generate_canonical takes one 64-bit draw, x / 2^64 (x rounded to double)."""
    r = float(rng()) / 18446744073709551616.0
    return r if r < 1.0 else math.nextafter(1.0, 0.0)


def std_shuffle(seq, rng):
    """std::shuffle(seq.begin(), seq.end(), rng) from libstdc++ 12 (bits/stl_algo.h)."""
    n = len(seq)
    if n == 0:
        return
    if _MASK64 // n >= n:
        i = 1
        if n % 2 == 0:
            j = uniform_int(rng, 0, 1)
            seq[i], seq[j] = seq[j], seq[i]
            i += 1
        while i != n:
            swap_range = i + 1
            x = uniform_int(rng, 0, swap_range * (swap_range + 1) - 1)  # __gen_two_uniform_ints
            p1, p2 = x // (swap_range + 1), x % (swap_range + 1)
            seq[i], seq[p1] = seq[p1], seq[i]
            i += 1
            seq[i], seq[p2] = seq[p2], seq[i]
            i += 1
        return
    for i in range(1, n):
        j = uniform_int(rng, 0, i)
        seq[i], seq[j] = seq[j], seq[i]


# --------------------------------------------------------------------------
# Data sets and expression: core/spatial/AnnDataReader.cpp (X, var names,
# obsm['spatial']) and core/engine/ExpressionPreprocessing.cpp.
# --------------------------------------------------------------------------

class Dataset:
    """What the engine uses of a SpatialDataset: X as float32 (the C++ matrix
    stores float), gene lookup, spot centres in level-0 slide pixels, row sums."""

    def __init__(self, path):
        if not path.endswith(".h5ad"):
            raise ValueError(f"{path}: the Python reference reads .h5ad data sets only")
        a = anndata.read_h5ad(path)
        self.source = path
        X = a.X
        if hasattr(X, "toarray"):  # sparse: CSR / CSC
            X = X.toarray()
        self.X = np.asarray(X, dtype=np.float32)
        self.gene_names = [str(g) for g in a.var_names]
        self.obs_names = [str(o) for o in a.obs_names]
        # geneIndex(): a name or a gene id; the first occurrence wins (emplace).
        self.lookup = {}
        for i, g in enumerate(self.gene_names):
            self.lookup.setdefault(g, i)
        if "gene_ids" in a.var.columns:
            for i, g in enumerate(a.var["gene_ids"].astype(str)):
                self.lookup.setdefault(g, i)
        if "spatial" not in a.obsm:
            raise ValueError(f"{path}: obsm['spatial'] is missing (no spot coordinates)")
        xy = np.asarray(a.obsm["spatial"], dtype=np.float64)
        self.coordinates = xy[:, :2]
        self.libs = self.X.sum(axis=1, dtype=np.float64)  # rowSums(): all genes, in double

    def gene_index(self, name):
        return self.lookup.get(name)


def target_sum(libs, target):
    """The median library size (mean of the two middle ones for an even count), or 10,000."""
    if target == "10000" or len(libs) == 0:
        return 1e4
    median = float(np.median(libs))
    return median if median > 0 else 1e4


def _log_normalised(ds, columns, t):
    """log1p(count * t / library) per spot (0 for an empty spot), float64 [spots, columns]."""
    counts = ds.X[:, columns].astype(np.float64)
    libs = ds.libs[:, None]
    safe = np.where(libs > 0, libs, 1.0)
    return np.where(libs > 0, np.log1p(counts * t / safe), 0.0)


def select_genes(datasets, cfg):
    if cfg["genes"]:
        for ds in datasets:
            for g in cfg["genes"]:
                if ds.gene_index(g) is None:
                    raise ValueError(f"{ds.source}: gene {g} is not in the data set")
        return list(cfg["genes"])
    # Genes every data set has, in the first data set's order.
    shared = [g for g in datasets[0].gene_names if all(ds.gene_index(g) is not None for ds in datasets[1:])]
    if not shared:
        raise ValueError(f"{datasets[0].source}: no gene is shared by all data sets")
    hv = cfg["highly_variable_genes"]
    if hv <= 0 or hv >= len(shared):
        return shared
    # Variance of log-normalised values over all spots of all data sets. The
    # sums run spot by spot, data set by data set, as the C++ loops do, so the
    # ranking (and its ties) come out the same.
    s = np.zeros(len(shared))
    sq = np.zeros(len(shared))
    n = 0.0
    for ds in datasets:
        t = target_sum(ds.libs, cfg["normalise_to"])
        values = _log_normalised(ds, [ds.gene_index(g) for g in shared], t)
        for row in values:
            s += row
            sq += row * row
        n += values.shape[0]
    variance = sq / n - (s / n) * (s / n)
    order = np.argsort(-variance, kind="stable")[:hv]  # std::stable_sort, descending
    return [shared[g] for g in sorted(order)]           # keep the data set's gene order


def expression_features(ds, observations, genes, target):
    t = target_sum(ds.libs, target)
    values = _log_normalised(ds, [ds.gene_index(g) for g in genes], t)
    return values[np.asarray(observations, dtype=np.int64)].astype(np.float32)


# --------------------------------------------------------------------------
# Patches: core/engine/PatchExtractor.cpp with openslide-python.
# --------------------------------------------------------------------------

def slide_mpp(slide):
    """OpenSlideSlide's mppFromProperties(): openslide.mpp-x/y, else the TIFF
    resolution tags (OpenSlide 3.4 gives no MPP for generic TIFFs)."""
    p = slide.properties

    def num(key):
        try:
            return float(p[key])
        except (KeyError, ValueError):
            return None
    mx, my = num(openslide.PROPERTY_NAME_MPP_X), num(openslide.PROPERTY_NAME_MPP_Y)
    if mx and my and mx > 0 and my > 0:
        return mx, my
    rx, ry, unit = num("tiff.XResolution"), num("tiff.YResolution"), p.get("tiff.ResolutionUnit")
    if not rx or not ry or rx <= 0 or ry <= 0 or unit is None:
        return None
    per_unit = {"centimeter": 1e4, "inch": 25400.0}.get(unit)
    return None if per_unit is None else (per_unit / rx, per_unit / ry)


def best_level_for_downsample(downsamples, downsample):
    """Slide::bestLevelForDownsample: the coarsest level whose downsample is at
    most `downsample` (with 0.01 % tolerance). Not OpenSlide's own rule."""
    best = 0
    for i, d in enumerate(downsamples):
        if d <= downsample * 1.0001:
            best = i
    return best


@functools.lru_cache(maxsize=None)
def _area_weights(src, size):
    """Row i: the coverage of source pixels by output pixel i (resampleArea's wx / wy)."""
    s = src / size
    w = np.zeros((size, src))
    for i in range(size):
        a, b = i * s, (i + 1) * s
        for p in range(int(a), min(src, math.ceil(b))):
            w[i, p] = max(0.0, min(p + 1, b) - max(p, a))
    return w


@functools.lru_cache(maxsize=None)
def _area_taps(src, size):
    """The non-zero weights of _area_weights as (indices, weights), [size, taps] each."""
    w = _area_weights(src, size)
    taps = max(1, int((w > 0).sum(1).max()))
    idx = np.zeros((size, taps), dtype=np.int64)
    wt = np.zeros((size, taps))
    for i in range(size):
        nz = np.nonzero(w[i] > 0)[0]
        idx[i, :len(nz)] = nz
        wt[i, :len(nz)] = w[i, nz]
    return idx, wt, w.sum(1)


def resample_area(rgb, size):
    """numpy port of the C++ resampleArea, in separable form: the same weights
    (coverage of each source pixel by the output pixel), rows first, then
    columns, rounded half away from zero like std::lround. No BLAS: the numpy
    BLAS is slow when called from worker threads next to torch's OpenMP pool.
    When the scale is a multiple of a power of two (159 -> 48 px: 53/16) every
    sum is exact and the result is bit-identical to the C++ pixel-by-pixel
    loop; otherwise the summation order differs and a pixel can, rarely, round
    the other way."""
    iy, wy, sy = _area_taps(rgb.shape[0], size)
    ix, wx, sx = _area_taps(rgb.shape[1], size)
    src = rgb.astype(np.float64)
    rows = np.zeros((size, rgb.shape[1], 3))
    for k in range(iy.shape[1]):
        rows += wy[:, k, None, None] * src[iy[:, k]]
    acc = np.zeros((size, size, 3))
    for k in range(ix.shape[1]):
        acc += wx[None, :, k, None] * rows[:, ix[:, k]]
    norm = sy[:, None, None] * sx[None, :, None]
    return np.clip(np.floor(acc / norm + 0.5), 0, 255).astype(np.uint8)


def extract_patches(slide_path, centres, cfg, threads, resampler):
    """Returns (patches uint8 [kept, P, P, 3], kept observation indices, [(observation, reason)])."""
    slide = openslide.OpenSlide(slide_path)
    mpp = slide_mpp(slide)
    size_um, out_px = cfg["patch_size_um"], cfg["patch_pixels"]
    if mpp is None:
        raise ValueError(f"{slide_path}: the slide has no microns per pixel")
    side_x, side_y = size_um / mpp[0], size_um / mpp[1]  # level-0 px
    level = best_level_for_downsample(slide.level_downsamples, min(side_x, side_y) / out_px)
    ds = slide.level_downsamples[level]
    read_w = max(1, lround(side_x / ds))
    read_h = max(1, lround(side_y / ds))
    width, height = slide.dimensions
    bg_level, max_bg = cfg["background_level"], cfg["max_background_fraction"]

    n = len(centres)
    out = np.zeros((n, out_px, out_px, 3), dtype=np.uint8)
    reason = [None] * n
    counter = iter(range(n))  # next() on it is atomic under the GIL: the C++ atomic counter
    errors = []

    def work():
        while not errors:
            try:
                i = next(counter)
            except StopIteration:
                return
            cx, cy = centres[i]
            x0, y0 = cx - side_x / 2, cy - side_y / 2
            if (not math.isfinite(x0) or not math.isfinite(y0) or x0 < 0 or y0 < 0
                    or x0 + side_x > width or y0 + side_y > height):
                reason[i] = "the patch leaves the slide"
                continue
            try:
                region = slide.read_region((lround(x0), lround(y0)), level, (read_w, read_h))  # straight RGBA
                px = np.asarray(region)
                a = px[:, :, 3]
                background = np.count_nonzero((a == 0) | ((px[:, :, 0] >= bg_level) & (px[:, :, 1] >= bg_level)
                                                          & (px[:, :, 2] >= bg_level)))
                fraction = background / (read_w * read_h)
                if fraction > max_bg:
                    reason[i] = f"mostly background ({lround(fraction * 100)} %)"
                    continue
                if not (a == 255).all():
                    # Difference: composited on white and rounded to 8 bits here; the
                    # C++ composites inside its resampler. Never happens inside a
                    # generic-TIFF slide (all opaque).
                    alpha = a[:, :, None] / 255.0
                    rgb = np.clip(np.floor(px[:, :, :3] * alpha + 255.0 * (1 - alpha) + 0.5), 0, 255).astype(np.uint8)
                else:
                    rgb = px[:, :, :3]
                if resampler == "area":
                    out[i] = resample_area(rgb, out_px)
                else:
                    # Difference: PIL's BOX weighs whole source pixels (by their
                    # centres), the C++ resampleArea partial pixels by coverage.
                    out[i] = np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).resize((out_px, out_px), _PIL_BOX))
            except Exception as e:  # the first error stops every worker, as in the C++
                errors.append(f"{slide_path}: {e}")
                return

    pool = [threading.Thread(target=work) for _ in range(max(1, threads))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    slide.close()
    if errors:
        raise RuntimeError(errors[0])
    kept = [i for i in range(n) if reason[i] is None]
    skipped = [(i, reason[i]) for i in range(n) if reason[i] is not None]
    return out[kept], kept, skipped


# --------------------------------------------------------------------------
# Model: core/engine/Encoders.cpp. Module construction order matters for the
# seeded initialisation: GCC evaluates the arguments of a call right to left,
# so the C++ `nn::Sequential(stem conv, BN, ReLU, block1, ..., block4, pool,
# flatten)` builds (and initialises) block4 first and the stem conv last. The
# Python constructors below create the modules in that same order.
# --------------------------------------------------------------------------

class ResidualBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN + shortcut (1x1 conv + BN when the shape changes), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if cin != cout or stride != 1:
            self.shortcut.append(nn.Conv2d(cin, cout, 1, stride=stride, bias=False))
            self.shortcut.append(nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        skip = x if len(self.shortcut) == 0 else self.shortcut(x)
        return torch.relu(y + skip)


class SmallResNet(nn.Module):
    """[B, 3, H, W] in [0, 1] -> [B, 8 * width]: ImageNet normalisation, stem
    conv stride 2, four residual stages (each halving), global average pool."""

    def __init__(self, width=32):
        super().__init__()
        w = width
        # Created right to left (see above), then put in forward order.
        flatten = nn.Flatten()
        pool = nn.AdaptiveAvgPool2d(1)
        b4 = ResidualBlock(w * 4, w * 8, 2)
        b3 = ResidualBlock(w * 2, w * 4, 2)
        b2 = ResidualBlock(w, w * 2, 2)
        b1 = ResidualBlock(w, w, 1)
        relu = nn.ReLU()
        bn = nn.BatchNorm2d(w)
        stem = nn.Conv2d(3, w, 3, stride=2, padding=1, bias=False)
        self.body = nn.Sequential(stem, bn, relu, b1, b2, b3, b4, pool, flatten)
        self.output_dim = w * 8

    def forward(self, x):
        m = torch.tensor([0.485, 0.456, 0.406], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        s = torch.tensor([0.229, 0.224, 0.225], dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        return self.body((x - m) / s)


class GeneMlp(nn.Module):
    """HESCAPE's generic gene encoder: Linear -> 3 x [BatchNorm, ReLU, Dropout, Linear]."""

    def __init__(self, genes, hidden=512, dropout=0.1):
        super().__init__()
        layers = [nn.Linear(genes, hidden)]
        for _ in range(3):
            layers += [nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, hidden)]
        self.net = nn.Sequential(*layers)
        self.output_dim = hidden

    def forward(self, x):
        return self.net(x)


class ClipModel(nn.Module):
    """Image and gene encoders, each with a linear head into embed_dim. The
    embeddings are not normalised here: the loss normalises them (as in C++)."""

    def __init__(self, genes, embed_dim, image_width, gene_hidden):
        super().__init__()
        self.image = SmallResNet(image_width)
        self.gene = GeneMlp(genes, gene_hidden)
        self.image_head = nn.Linear(self.image.output_dim, embed_dim)
        self.gene_head = nn.Linear(self.gene.output_dim, embed_dim)

    def encode_image(self, patches):
        return self.image_head(self.image(patches))

    def encode_genes(self, expression):
        return self.gene_head(self.gene(expression))


MAX_LOGIT_SCALE = 100.0


class ContrastiveLoss(nn.Module):
    """core/engine/ContrastiveLoss.cpp. CLIP: (CE(z, arange) + CE(z^T, arange)) / 2
    with z = min(exp(log_scale), 100) * normalise(image) @ normalise(gene)^T,
    log_scale starting at log(1 / 0.07). SigLIP: -sum log sigmoid((2I - 1) * (z + bias)) / n."""

    def __init__(self, objective="clip"):
        super().__init__()
        self.objective = objective
        init = 1.0 / 0.07 if objective == "clip" else 10.0
        self.log_scale = nn.Parameter(torch.full((), math.log(init)))
        self.bias = nn.Parameter(torch.full((), -10.0 if objective == "siglip" else 0.0),
                                 requires_grad=objective == "siglip")

    def logits(self, image, gene):
        img = F.normalize(image, p=2.0, dim=1)
        gen = F.normalize(gene, p=2.0, dim=1)
        scale = self.log_scale.exp().clamp_max(MAX_LOGIT_SCALE)
        z = scale * torch.matmul(img, gen.t())
        if self.objective == "siglip":
            z = z + self.bias
        return z

    def forward(self, image, gene):
        z = self.logits(image, gene)
        n = z.size(0)
        if self.objective == "clip":
            target = torch.arange(n, dtype=torch.long, device=z.device)
            return (F.cross_entropy(z, target) + F.cross_entropy(z.t(), target)) / 2.0
        labels = 2.0 * torch.eye(n, dtype=z.dtype, device=z.device) - 1.0
        return -F.logsigmoid(labels * z).sum() / float(n)

    def logit_scale(self):
        return min(math.exp(self.log_scale.item()), MAX_LOGIT_SCALE)


# --------------------------------------------------------------------------
# Augmentation: core/engine/PatchAugmentation.cpp. Each patch draws its own
# parameters from the trainer's std::mt19937_64 (uniform01, in the C++ order:
# crop, flips, rotations, colour jitter, blur), then batched tensor operations
# apply them. The same draws give the same augmented batch as the C++.
# --------------------------------------------------------------------------

BLUR_RADIUS = 3


def _per_sample(values, device):
    return torch.tensor(values, dtype=torch.float).to(device).view(-1, 1, 1, 1)


def _luminance(x):
    return (x.select(1, 0) * 0.299 + x.select(1, 1) * 0.587 + x.select(1, 2) * 0.114).unsqueeze(1)


def augment_patches(images, o, rng):
    """images: [B, 3, S, S] float in [0, 1]; returns a new tensor (augmentPatches)."""
    with torch.no_grad():
        device = images.device
        n = images.size(0)
        x = images
        if o["crop_scale"] < 1.0:
            # A square of random area and position, resampled back to full size.
            cs, theta = o["crop_scale"], []
            for _ in range(n):
                sc = math.sqrt(cs + (1.0 - cs) * uniform01(rng))
                tx = (1.0 - sc) * (2.0 * uniform01(rng) - 1.0)
                ty = (1.0 - sc) * (2.0 * uniform01(rng) - 1.0)
                theta += [sc, 0.0, tx, 0.0, sc, ty]
            th = torch.tensor(theta, dtype=torch.float).to(device).view(n, 2, 3)
            grid = F.affine_grid(th, list(x.size()), align_corners=False)
            x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        if o["flips"]:
            h, v = [], []
            for _ in range(n):
                h.append(1.0 if uniform01(rng) < 0.5 else 0.0)
                v.append(1.0 if uniform01(rng) < 0.5 else 0.0)
            x = torch.where(_per_sample(h, device).to(torch.bool), x.flip([3]), x)
            x = torch.where(_per_sample(v, device).to(torch.bool), x.flip([2]), x)
        if o["rotations"]:
            by_turns = [[], [], [], []]
            for i in range(n):
                by_turns[min(3, int(uniform01(rng) * 4))].append(i)
            out = x.clone()
            for k in range(1, 4):
                if by_turns[k]:
                    idx = torch.tensor(by_turns[k], dtype=torch.long).to(device)
                    out.index_copy_(0, idx, torch.rot90(x.index_select(0, idx), k, [2, 3]))
            x = out
        if o["color_jitter"] > 0:
            j = o["color_jitter"]
            b, c, sat = [], [], []
            for _ in range(n):
                b.append(1 - j + 2 * j * uniform01(rng))
                c.append(1 - j + 2 * j * uniform01(rng))
                sat.append(1 - j + 2 * j * uniform01(rng))
            x = (x * _per_sample(b, device)).clamp(0, 1)
            mean = _luminance(x).mean([1, 2, 3], keepdim=True)
            x = ((x - mean) * _per_sample(c, device) + mean).clamp(0, 1)
            gray = _luminance(x)
            x = ((x - gray) * _per_sample(sat, device) + gray).clamp(0, 1)
        if o["blur_probability"] > 0:
            # Separable Gaussian per patch (a delta kernel for the unblurred
            # ones), one grouped convolution over all patches' channels.
            width = 2 * BLUR_RADIUS + 1
            kernels = []
            for _ in range(n):
                k = [0.0] * width
                if uniform01(rng) < o["blur_probability"]:
                    sigma = 0.1 + 1.9 * uniform01(rng)
                    total = 0.0
                    for t in range(-BLUR_RADIUS, BLUR_RADIUS + 1):
                        total += math.exp(-t * t / (2 * sigma * sigma))
                    for t in range(-BLUR_RADIUS, BLUR_RADIUS + 1):
                        k[t + BLUR_RADIUS] = math.exp(-t * t / (2 * sigma * sigma)) / total
                else:
                    k[BLUR_RADIUS] = 1.0
                kernels += k * 3
            size = x.size(2)
            w = torch.tensor(kernels, dtype=torch.float).to(device).view(n * 3, 1, 1, width)
            flat = F.pad(x.reshape(1, n * 3, size, size), (BLUR_RADIUS,) * 4, mode="reflect")
            flat = F.conv2d(flat, w, groups=n * 3)
            flat = F.conv2d(flat, w.view(n * 3, 1, width, 1), groups=n * 3)
            x = flat.view(n, 3, size, size)
        return x


def augmentation_any(o):
    return o["flips"] or o["rotations"] or o["crop_scale"] < 1.0 or o["color_jitter"] > 0 or o["blur_probability"] > 0


# --------------------------------------------------------------------------
# Training: core/engine/ClipTrainer.cpp
# --------------------------------------------------------------------------

# Both copy the batch into a tensor torch allocates (64-byte aligned, as the
# C++ torch::empty + copy), not into numpy's memory: vectorised kernels may
# sum in another order when their input is aligned differently.

def images_to_tensor(patches, rows, device):
    """imagesToTensor: uint8 [B, H, W, 3] -> permute -> float / 255 (channels-last strides, as in C++)."""
    t = torch.from_numpy(patches[rows]).clone()
    return t.to(device).permute(0, 3, 1, 2).to(torch.float).div_(255.0)


def genes_to_tensor(expression, rows, device):
    return torch.from_numpy(expression[rows]).clone().to(device)


class Split:
    def __init__(self, patch_pixels, genes):
        self.patches = np.zeros((0, patch_pixels, patch_pixels, 3), dtype=np.uint8)
        self.expression = np.zeros((0, genes), dtype=np.float32)
        self.parts_p, self.parts_e = [], []

    def add(self, patches, features):
        self.parts_p.append(patches)
        self.parts_e.append(features)

    def finish(self):
        if self.parts_p:
            self.patches = np.ascontiguousarray(np.concatenate(self.parts_p))
            self.expression = np.ascontiguousarray(np.concatenate(self.parts_e))
        self.parts_p, self.parts_e = [], []

    @property
    def count(self):
        return self.patches.shape[0]


def prepare(cfg, threads, resampler, splits):
    """ClipTrainer::prepare for the named splits ("train", optionally "validation")."""
    seen = set()
    for which in ("train", "validation", "test"):
        for name in cfg[which]:
            if name in seen:
                raise ValueError(f"section {name} is in more than one split")
            seen.add(name)
            if not any(s["name"] == name for s in cfg["sections"]):
                raise ValueError(f"split names section {name}, which is not among the sections")
    # Every section's data set is read: the gene selection runs over all of them.
    t0 = time.perf_counter()
    datasets = []
    for sec in cfg["sections"]:
        log(f"reading {sec['name']}: {sec['dataset']}")
        datasets.append(Dataset(sec["dataset"]))
    t1 = time.perf_counter()
    genes = select_genes(datasets, cfg)
    log(f"data sets read in {t1 - t0:.2f} s; {len(genes)} genes selected in {time.perf_counter() - t1:.2f} s")
    out = {w: Split(cfg["patch_pixels"], len(genes)) for w in splits}
    skipped = []
    for sec, ds in zip(cfg["sections"], datasets):  # the sections' order, as the C++
        which = next((w for w in ("train", "validation", "test") if sec["name"] in cfg[w]), None)
        if which not in out:
            continue
        t0 = time.perf_counter()
        patches, kept, skip = extract_patches(sec["slide"], ds.coordinates, cfg, threads, resampler)
        for obs, why in skip:
            skipped.append(f"{sec['name']}: {ds.obs_names[obs]}: {why}")
        out[which].add(patches, expression_features(ds, kept, genes, cfg["normalise_to"]))
        log(f"patches of {sec['name']} ({which}): {len(kept)} kept, {len(skip)} skipped, "
            f"{time.perf_counter() - t0:.2f} s")
    for s in out.values():
        s.finish()
    return genes, out, skipped


def evaluate(model, loss_fn, split, device, autocast, eval_batch=64):
    """ClipTrainer::evaluate: HESCAPE's in-batch protocol, batches of 64 in order."""
    if split.count == 0:
        return None
    model.eval()
    loss_sum = r1 = r5 = 0.0
    batches = 0
    with torch.no_grad():
        for start in range(0, split.count, eval_batch):
            n = min(eval_batch, split.count - start)
            if n < 2:
                break
            rows = np.arange(start, start + n)
            with autocast():
                img = model.encode_image(images_to_tensor(split.patches, rows, device))
                gen = model.encode_genes(genes_to_tensor(split.expression, rows, device))
            img, gen = img.to(torch.float), gen.to(torch.float)
            loss_sum += loss_fn(img, gen).item()
            z = loss_fn.logits(img, gen)
            target = torch.arange(n, device=device).unsqueeze(1)
            top = z.topk(min(5, n), 1)[1]
            r1 += top[:, :1].eq(target).any(1).double().mean().item()
            r5 += top.eq(target).any(1).double().mean().item()
            batches += 1
    model.train()
    if batches == 0:
        return None
    return {"loss": loss_sum / batches, "recall_at_1": r1 / batches, "recall_at_5": r5 / batches}


def main():
    ap = argparse.ArgumentParser(description="Python reference of HEScape's CLIP training (issue 4 benchmark)")
    ap.add_argument("config")
    ap.add_argument("--steps", type=int, default=None, help="optimisation steps (default: epochs x steps per epoch)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads (default: every CPU)")
    ap.add_argument("--resampler", choices=("pil", "area"), default="pil",
                    help="pil: PIL BOX (default); area: numpy port of the C++ area filter")
    ap.add_argument("--validate", action="store_true",
                    help="also evaluate on the validation split after each epoch (untimed, stderr)")
    ap.add_argument("--print-steps", action="store_true",
                    help="print every step's loss on stderr (to compare with `hescape train --json`)")
    args = ap.parse_args()
    if args.steps is not None and args.steps < 1:
        ap.error("--steps must be at least 1")
    if args.threads < 1:
        ap.error("--threads must be at least 1")
    T = args.threads
    torch.set_num_threads(T)
    cfg = read_config(args.config)
    for field in ("checkpoint", "results"):
        if cfg[field]:
            log(f"note: '{field}' is ignored by the Python reference (it writes no files)")
    if cfg["patch_store"]:
        log("note: the Python reference has no patch store: it extracts every patch in every run")
    if cfg["use_cuda"] and not torch.cuda.is_available():
        raise ValueError('device "cuda" was asked for, but this torch has no CUDA or sees no GPU')
    # bf16 autocast of the encoders (CUDA only, as CudaAutocast); fp32 otherwise.
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cfg["bf16"] else contextlib.nullcontext

    # ---- phase 1: prepare -------------------------------------------------
    wall0, cpu0 = time.perf_counter(), time.process_time()
    genes, splits, skipped = prepare(cfg, T, args.resampler, ["train"])
    train = splits["train"]
    if train.count < 2:
        raise ValueError("fewer than 2 training pairs after patch extraction")
    torch.manual_seed(cfg["seed"])
    model = ClipModel(len(genes), cfg["embed_dim"], cfg["image_width"], cfg["gene_hidden"])
    loss_fn = ContrastiveLoss(cfg["objective"])
    device = torch.device("cuda" if cfg["use_cuda"] else "cpu")
    model.to(device)
    loss_fn.to(device)
    prepare_s = time.perf_counter() - wall0
    prepare_cpu = time.process_time() - cpu0
    log(f"prepare: {train.count} pairs, {len(skipped)} skipped, {len(genes)} genes, "
        f"{prepare_s:.2f} s, CPU busy {prepare_cpu / (prepare_s * T):.2f}")

    validation = None
    if args.validate and cfg["validation"]:
        _, vsplits, vskipped = prepare(cfg, T, args.resampler, ["validation"])
        validation = vsplits["validation"]
        log(f"validation: {validation.count} pairs, {len(vskipped)} skipped (untimed)")

    # ---- phase 2: train -----------------------------------------------------
    B = cfg["batch_size"]
    per_epoch = train.count // B  # drop the last partial batch
    if per_epoch == 0:
        raise ValueError("batch size is larger than the training set")
    steps = args.steps if args.steps is not None else per_epoch * cfg["epochs"]
    epochs = max(cfg["epochs"], -(-steps // per_epoch))
    total = per_epoch * epochs  # the schedule's length (the C++ trainer's `total`)
    warmup, base_lr = cfg["warmup_steps"], cfg["learning_rate"]
    log(f"train: {steps} steps of {B} pairs ({per_epoch} per epoch), schedule over {total} steps, {T} threads")

    if validation is not None and validation.count > 1:
        m = evaluate(model, loss_fn, validation, device, autocast)
        if m:
            log(f"untrained: validation loss {m['loss']:.4f}, R@1 {m['recall_at_1']:.3f}, R@5 {m['recall_at_5']:.3f}")

    excluded_wall = excluded_cpu = 0.0  # validation time, taken out of the timing
    wall0, cpu0 = time.perf_counter(), time.process_time()
    params = list(model.parameters()) + [p for p in loss_fn.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=base_lr, weight_decay=cfg["weight_decay"], foreach=False)
    rng = Mt19937_64(cfg["seed"])
    order = list(range(train.count))
    model.train()
    loss_value = float("nan")
    epoch_losses = []
    best_validation, epochs_without_improvement, stopped_early = math.inf, 0, False
    for step in range(steps):
        epoch, b = divmod(step, per_epoch)
        if b == 0:
            std_shuffle(order, rng)
        # Linear warm-up, then cosine decay to zero.
        if step < warmup:
            lr = base_lr * (step + 1) / warmup
        else:
            lr = base_lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        rows = np.asarray(order[b * B:(b + 1) * B], dtype=np.int64)
        images = images_to_tensor(train.patches, rows, device)
        if cfg["augment"] and augmentation_any(cfg["augmentation"]):
            images = augment_patches(images, cfg["augmentation"], rng)
        optimizer.zero_grad(set_to_none=False)  # LibTorch 1.13's zero_grad() zeroes in place
        with autocast():
            image_embedding = model.encode_image(images)
            gene_embedding = model.encode_genes(genes_to_tensor(train.expression, rows, device))
        # The loss (normalisation, logits, softmax) runs in float32.
        value = loss_fn(image_embedding.to(torch.float), gene_embedding.to(torch.float))
        loss_value = value.item()
        if not math.isfinite(loss_value):
            raise RuntimeError(f"training stopped at step {step + 1}: the loss is not finite")
        value.backward()
        float(torch.nn.utils.clip_grad_norm_(params, cfg["gradient_clip"]))  # the C++ returns it as a double
        optimizer.step()
        temperature = 1.0 / loss_fn.logit_scale()  # TrainStep::temperature, reported every step in C++
        epoch_losses.append(loss_value)
        if args.print_steps:
            log(f"step {step + 1}: loss {loss_value!r}, lr {lr!r}, temperature {temperature!r}")
        if b + 1 == per_epoch:
            msg = (f"epoch {epoch + 1} (step {step + 1}/{steps}): mean train loss "
                   f"{sum(epoch_losses) / len(epoch_losses):.4f}, last {loss_value:.4f}, lr {lr:.2e}, "
                   f"temperature {temperature:.4f}")
            epoch_losses = []
            if validation is not None and validation.count > 1:
                w, c = time.perf_counter(), time.process_time()
                m = evaluate(model, loss_fn, validation, device, autocast)
                excluded_wall += time.perf_counter() - w
                excluded_cpu += time.process_time() - c
                if m:
                    msg += f"; validation loss {m['loss']:.4f}, R@1 {m['recall_at_1']:.3f}, R@5 {m['recall_at_5']:.3f}"
                    # Early stopping, as ClipTrainer::train (only with validation).
                    if m["loss"] < best_validation:
                        best_validation, epochs_without_improvement = m["loss"], 0
                    else:
                        epochs_without_improvement += 1
                    stopped_early = 0 < cfg["early_stopping_patience"] <= epochs_without_improvement
            log(msg)
            if stopped_early:
                log(f"stopped early: no lower validation loss for {epochs_without_improvement} epochs")
                steps = step + 1
                break
    train_s = time.perf_counter() - wall0 - excluded_wall
    train_cpu = time.process_time() - cpu0 - excluded_cpu

    print(json.dumps({
        "impl": "python-torch",
        "threads": T,
        "pairs": int(train.count),
        "skipped": len(skipped),
        "genes": len(genes),
        "prepare_s": round(prepare_s, 4),
        "prepare_cpu_busy": round(prepare_cpu / (prepare_s * T), 4),
        "train_steps": steps,
        "train_s": round(train_s, 4),
        "train_pairs_per_s": round(steps * B / train_s, 2) if train_s > 0 else 0.0,
        "train_cpu_busy": round(train_cpu / (train_s * T), 4) if train_s > 0 else 0.0,
        "final_loss": loss_value,
    }), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ConfigError, ValueError, RuntimeError, OSError) as e:
        log(f"train_reference.py: {e}")
        sys.exit(1)
