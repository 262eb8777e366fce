"""A small image pipeline with five task names, for the TUI's snapshot tests and
the README screenshot (its tasks are never run there: events are fed by hand)."""

from jug import TaskGenerator


@TaskGenerator
def load_image(i):
    return [i] * 4


@TaskGenerator
def features(image):
    return sum(image)


@TaskGenerator
def kmeans(feats, k):
    return sorted(feats)[:k]


@TaskGenerator
def score(model):
    return len(model)


@TaskGenerator
def report(scores):
    return max(scores)


images = [load_image(i) for i in range(120)]
feats = [features(im) for im in images]
models = [kmeans(feats, k) for k in range(2, 14)]
scores = [score(m) for m in models]
best = report(scores)
