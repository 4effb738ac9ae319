"""What the model sees: a sample of validation texts mapped to 2-D by PCA and by t-SNE.

The vectors are the model's own where it has them (the sentence encoder's, recorded at training
time by `ModelFamily.represent`: MiniLM's embeddings, the fine-tuned encoder's), else tf-idf
vectors of the sampled texts reduced by truncated SVD (the same map for every such model, drawn
once per report). Nothing is encoded again here. Points are coloured by true label (by true
value for a regression) and shaped by whether the model got them right (for a regression:
whether the error is within the median error); hovering shows the text, the true and the
predicted label. PCA keeps global distances (clusters far apart are different); t-SNE keeps
neighbourhoods (points close together look alike to the model), not distances between clusters.
"""

from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go

from textladder.report.blocks import Block, Chart, colour, figure, safe, short
from textladder.report.sources import ModelView

MAP_POINTS = 750  # t-SNE is quadratic-ish in time: this keeps a map to seconds
TSNE_ITERATIONS = 500
SVD_DIMENSIONS = 50


def _tfidf_vectors(texts: list[str], seed: int) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(texts)
    k = min(SVD_DIMENSIONS, matrix.shape[1] - 1, len(texts) - 1)
    if k < 2:
        return matrix.toarray()
    return TruncatedSVD(k, random_state=seed).fit_transform(matrix)


def project(vectors: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """{"PCA": (n, 2), "t-SNE": (n, 2)}; t-SNE only with enough points for a neighbourhood."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    vectors = np.asarray(vectors, dtype=np.float64)
    n = len(vectors)
    if n < 3 or vectors.shape[1] < 2:
        return {}
    found = {"PCA": PCA(2, random_state=seed).fit_transform(vectors)}
    if n >= 6:
        reduced = PCA(min(50, n - 1, vectors.shape[1]), random_state=seed).fit_transform(vectors)
        found["t-SNE"] = TSNE(2, perplexity=float(min(30, (n - 1) / 3)), init="pca",
                              learning_rate="auto", max_iter=TSNE_ITERATIONS,
                              random_state=seed).fit_transform(reduced)
    return found


def _points(view: ModelView, cache: dict) -> tuple[np.ndarray, dict[str, np.ndarray], str] | None:
    """The sample drawn (positions in `view.texts`), its 2-D maps, and where the vectors
    came from."""
    if not view.texts:
        return None
    shown = np.arange(len(view.texts))
    if len(shown) > MAP_POINTS:
        shown = np.sort(np.random.default_rng(0).choice(len(shown), MAP_POINTS, replace=False))
    if view.vectors is not None and len(view.vectors) == len(view.texts):
        return shown, project(view.vectors[shown]), f"{view.name}'s own text vectors"
    texts = [view.texts[i] for i in shown]
    key = hashlib.sha256("\x00".join(texts).encode("utf-8", "surrogatepass")).hexdigest()
    if key not in cache:  # every model without vectors of the same texts shares one map
        cache[key] = project(_tfidf_vectors(texts, 0))
    return shown, cache[key], "tf-idf vectors of the texts (truncated SVD)"


def _groups(view: ModelView, targets: np.ndarray) -> list[str]:
    """The label each point is coloured by; multi-label: its rarest true label."""
    if view.task.name == "multilabel":
        frequency = targets.sum(axis=0)
        order = np.argsort(frequency)
        return [next((view.labels[j] for j in order if row[j]), "(none)") for row in targets]
    return [view.labels[int(t)] for t in targets]


def _map(name: str, xy: np.ndarray, view: ModelView, targets, right, hover) -> go.Figure:
    fig = figure(height=460, xaxis=dict(showticklabels=False, title=f"{name} 1"),
                 yaxis=dict(showticklabels=False, title=f"{name} 2"),
                 legend=dict(orientation="v", x=1.02, y=1))
    template = "%{customdata}<extra></extra>"
    if view.task.name == "regression":
        for ok, symbol in ((True, "circle"), (False, "x")):
            keep = right == ok
            fig.add_trace(go.Scatter(
                x=xy[keep, 0], y=xy[keep, 1], mode="markers", customdata=np.asarray(hover)[keep],
                hovertemplate=template, name="within the median error" if ok else "beyond it",
                marker=dict(symbol=symbol, size=7, color=targets[keep].astype(float),
                            colorscale="Viridis", cmin=float(targets.min()),
                            cmax=float(targets.max()), showscale=ok,
                            colorbar=dict(title="true", x=1.15) if ok else None)))
        return fig
    groups = np.asarray(_groups(view, targets))
    for i, label in enumerate(dict.fromkeys(view.labels + ["(none)"])):
        shown = False  # one legend entry per label: the shapes are said in the caption
        for ok, symbol in ((True, "circle"), (False, "x")):
            keep = (groups == label) & (right == ok)
            if not keep.any():
                continue
            fig.add_trace(go.Scatter(
                x=xy[keep, 0], y=xy[keep, 1], mode="markers", customdata=np.asarray(hover)[keep],
                hovertemplate=template, name=label, legendgroup=label, showlegend=not shown,
                marker=dict(symbol=symbol, size=7 if ok else 8, color=colour(i), opacity=0.75)))
            shown = True
    return fig


def build(view: ModelView, cache: dict) -> list[Block]:
    if view.valid is None:
        return []
    found = _points(view, cache)
    if found is None or not found[1]:
        return []
    shown, maps, origin = found
    rows = view.rows[shown]
    targets = view.valid.targets[rows]
    decided = view.task.decide(view.valid.outputs[rows])
    if view.task.name == "regression":
        error = np.abs(decided - targets.astype(float))
        right = error <= np.median(error)
    else:
        right = (np.asarray(decided) == targets).reshape(len(rows), -1).all(axis=1)
    true_text, predicted_text = view.as_text(targets), view.as_text(decided)
    hover = [f"{safe(short(view.texts[i]))}<br>true: {safe(t)}<br>predicted: {safe(p)}"
             for i, t, p in zip(shown, true_text, predicted_text)]
    shape = ("circles: within the median error, crosses: beyond it" if view.task.name ==
             "regression" else "circles: right, crosses: wrong")
    blocks: list[Block] = []
    for name, xy in maps.items():
        blocks.append(Chart(name.lower().replace("-", ""), f"embedding map: {name}",
                            _map(name, xy, view, targets, right, hover),
                            f"{len(rows):,} validation texts from {origin}; colour: true "
                            f"{'value' if view.task.name == 'regression' else 'label'}, "
                            f"{shape}. Hover for the text.", png=False))
    return blocks
