#!/usr/bin/python3
"""numpy / scikit-learn / umap-learn references for the tests of
core/embedding. Arrays travel as raw float32 files (row-major); results are
printed as JSON.

usage:
  embedding_reference.py digits OUT.f32              sklearn's load_digits data -> OUT; prints n, d
  embedding_reference.py pca X.f32 N D C             sklearn PCA (float64, svd_solver='full') and numpy's SVD
  embedding_reference.py trust X.f32 Y.f32 N D C K.. sklearn.manifold.trustworthiness for each K
  embedding_reference.py curve SPREAD MIN_DIST ...   umap-learn's find_ab_params for each pair
  embedding_reference.py smooth DIST.f32 N K         umap-learn's smooth_knn_dist (sigma, rho)
  embedding_reference.py umap SEED [X.f32 N D OURS.f32 C]...
      per data set: umap-learn's layout of X (its defaults, random_state SEED,
      C components), its seconds, and the trustworthiness (k = 15, sklearn) of
      its layout and of OURS (N x C)"""
import json
import sys
import time

import numpy as np


def load(path, n, d):
    return np.fromfile(path, dtype=np.float32).reshape(int(n), int(d))


def main(argv):
    cmd = argv[1]
    if cmd == "digits":
        from sklearn.datasets import load_digits
        x = load_digits().data.astype(np.float32)
        x.tofile(argv[2])
        return {"n": x.shape[0], "d": x.shape[1]}
    if cmd == "pca":
        from sklearn.decomposition import PCA
        x = load(argv[2], argv[3], argv[4]).astype(np.float64)
        c = int(argv[5])
        pca = PCA(n_components=c, svd_solver="full").fit(x)
        # numpy on its own: SVD of the centred data, u-based svd_flip.
        xc = x - x.mean(0)
        u, s, vt = np.linalg.svd(xc, full_matrices=False)
        signs = np.sign(u[np.argmax(np.abs(u), axis=0), range(u.shape[1])])
        u, vt = u * signs, vt * signs[:, None]
        var = s ** 2 / (x.shape[0] - 1)
        return {"components": pca.components_.ravel().tolist(),
                "coordinates": pca.transform(x).ravel().tolist(),
                "mean": pca.mean_.tolist(),
                "variance": pca.explained_variance_.tolist(),
                "ratio": pca.explained_variance_ratio_.tolist(),
                "numpy_components": vt[:c].ravel().tolist(),
                "numpy_coordinates": (u[:, :c] * s[:c]).ravel().tolist(),
                "numpy_ratio": (var[:c] / var.sum()).tolist()}
    if cmd == "trust":
        from sklearn.manifold import trustworthiness
        # float64: on float32 input sklearn rounds the distances to float32,
        # which turns near-ties into ties that its argsort orders arbitrarily.
        x = load(argv[2], argv[4], argv[5]).astype(np.float64)
        y = load(argv[3], argv[4], argv[6]).astype(np.float64)
        return {k: trustworthiness(x, y, n_neighbors=int(k)) for k in argv[7:]}
    if cmd == "curve":
        from umap.umap_ import find_ab_params
        pairs = argv[2:]
        return [list(map(float, find_ab_params(float(pairs[i]), float(pairs[i + 1])))) for i in range(0, len(pairs), 2)]
    if cmd == "smooth":
        from umap.umap_ import smooth_knn_dist
        dist = load(argv[2], argv[3], argv[4])
        sigma, rho = smooth_knn_dist(dist, float(argv[4]))
        return {"sigma": sigma.tolist(), "rho": rho.tolist()}
    if cmd == "umap":
        import warnings
        warnings.filterwarnings("ignore")
        import umap
        from sklearn.manifold import trustworthiness
        # One process for every data set: numba compiles umap-learn's kernels once.
        seed, out = int(argv[2]), []
        args = argv[3:]
        for i in range(0, len(args), 5):
            x = load(args[i], args[i + 1], args[i + 2])
            ours = load(args[i + 3], args[i + 1], args[i + 4])
            start = time.perf_counter()
            theirs = umap.UMAP(n_components=int(args[i + 4]), random_state=seed).fit_transform(x)
            seconds = time.perf_counter() - start
            x64 = x.astype(np.float64)
            out.append({"theirs": trustworthiness(x64, theirs.astype(np.float64), n_neighbors=15),
                        "ours": trustworthiness(x64, ours.astype(np.float64), n_neighbors=15),
                        "seconds": seconds})
        return out
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    print(json.dumps(main(sys.argv)))
