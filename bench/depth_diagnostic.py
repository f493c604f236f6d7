#!/usr/bin/python3
"""Why alignment did not cross donors on the demo: sequencing depth. Patient
C's C6 is thinned (binomially, by anndata/numpy here, not by the engine) to
patient B's median library size, and each method below is trained on C2-C5
as in bench/donor_holdout.py, then scored on C6 at its own depth (validation:
the "within-donor" columns) and on the thinned C6 (test: the "held-out"
columns, which here are the same donor at B4's depth, so the split is marked
not donor-safe). Seeds 0-4; one `hescape compare` table.

usage: bench/depth_diagnostic.py [--hescape build/release/app/hescape] [--out DIR] [--methods a,b]
"""
import argparse
import os
import subprocess
import sys

import anndata
import numpy as np
import scipy.sparse as sp

import donor_holdout


def thinned_c6(out):
    """C6 with every count drawn from Binomial(count, p), p = B4's median library / C6's."""
    b4 = anndata.read_h5ad(os.path.join(donor_holdout.DEMO, 'B4.h5ad'))
    c6 = anndata.read_h5ad(os.path.join(donor_holdout.DEMO, 'C6.h5ad'))
    counts = lambda a: np.asarray(a.X.todense() if sp.issparse(a.X) else a.X, dtype=np.int64)
    x = counts(c6)
    p = np.median(counts(b4).sum(1)) / np.median(x.sum(1))
    thin = np.random.default_rng(0).binomial(x, p)
    c6.X = sp.csr_matrix(thin.astype(np.float32))
    path = os.path.join(out, 'C6_at_B4_depth.h5ad')
    c6.write_h5ad(path)
    print(f'C6 thinned by p = {p:.4f}: median library {np.median(x.sum(1)):.0f} -> {np.median(thin.sum(1)):.0f}', file=sys.stderr)
    return path


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--hescape', default=os.path.join(donor_holdout.HERE, '..', 'build', 'release', 'app', 'hescape'))
    p.add_argument('--out', default='depth-diagnostic')
    p.add_argument('--methods', default='genes_z_within,within_thinned')
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    dataset = thinned_c6(a.out)
    runs = []
    for name in a.methods.split(','):
        c = donor_holdout.config_for(name, donor_holdout.METHODS[name])
        c['sections'] = [s for s in c['sections'] if s['name'] != 'B4']
        c['sections'].append({'name': 'C6_thin', 'slide': os.path.join(donor_holdout.DEMO, 'C6.tiff'), 'dataset': dataset})
        c.pop('test_donors')
        c.update(train=['C2', 'C3', 'C4', 'C5'], validation=['C6'], test=['C6_thin'], allow_shared_donors=True)
        runs += donor_holdout.train_seeds(a.hescape, a.out, name, c)
    subprocess.run([a.hescape, 'compare'] + runs, check=True)


if __name__ == '__main__':
    main()
