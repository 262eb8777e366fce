"""Workload 3: the shape of jug's tutorial. BENCH_FEATURES cheap feature vectors,
then BENCH_K k-means runs (k = 2 .. BENCH_K + 1) that each read every feature
vector, one BIC per k-means run, and the argmin of the BICs.

Set BENCH_DECLARE=0 to import the plain functions without declaring tasks.
"""

import os

import numpy as np

DIM = 16
ITERATIONS = 10


def features(i):
    rng = np.random.default_rng(i)
    return rng.normal((i % 5) * 3.0, 1.0, DIM)


def kmeans(feats, k):
    x = np.asarray(feats)
    rng = np.random.default_rng(k)
    centers = x[rng.choice(len(x), k, replace=False)].copy()
    labels = np.zeros(len(x), dtype=np.intp)
    for _ in range(ITERATIONS):
        dist = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        labels = dist.argmin(axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centers[j] = members.mean(axis=0)
    inertia = float(((x - centers[labels]) ** 2).sum())
    return len(x), k, inertia


def bic(fit):
    n, k, inertia = fit
    return n * np.log(inertia / n) + k * DIM * np.log(n)


def argmin(bics):
    return int(np.argmin(bics))


def declare():
    from jug import TaskGenerator

    n = int(os.environ.get("BENCH_FEATURES", "200"))
    nk = int(os.environ.get("BENCH_K", "20"))
    features_t, kmeans_t, bic_t = (TaskGenerator(f) for f in (features, kmeans, bic))
    feats = [features_t(i) for i in range(n)]
    fits = [kmeans_t(feats, k) for k in range(2, nk + 2)]
    bics = [bic_t(f) for f in fits]
    TaskGenerator(argmin)(bics)


if os.environ.get("BENCH_DECLARE", "1") != "0":
    declare()
