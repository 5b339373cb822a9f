"""The text classifier of smart routing, free of Django: build, fit, evaluate, save, load and predict.

The model (our measured choice, see ``docs/routing.md``): TF-IDF over character 1–3 grams into a linear SVM
calibrated by cross-validated sigmoid scaling, whose ``predict_proba`` gives the confidences. Compared in
the same run with the baseline (the same features into a plain LinearSVC) and a variant that adds jieba
words. Nothing is downloaded: jieba's dictionary ships in its wheel and is loaded quietly, once, on first
use (only the ``words`` variant needs it).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from pathlib import Path

MODEL_FILE = "model.joblib"
_jieba_lock = threading.Lock()
_jieba_ready = False
_PUNCT = re.compile(r"^[\s\W_]+$")


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, runs of digits to one ``0`` (house numbers carry no topic)."""
    out = []
    for ch in text or "":
        code = ord(ch)
        if code == 0x3000:
            ch = " "
        elif 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        out.append(ch)
    return re.sub(r"\d+", "0", "".join(out).lower())


def words(text: str) -> list[str]:
    """jieba words of ``text`` without whitespace and punctuation (a module function: models pickle it)."""
    return [w for w in _jieba().lcut(text) if w.strip() and not _PUNCT.match(w)]


def build(kind: str = "model"):
    """An unfitted pipeline of ``kind``:

    - ``model`` (the one used): character 1–3 gram TF-IDF → linear SVM calibrated by 3-fold sigmoid
      (Platt) scaling, so ``predict_proba`` gives confidences;
    - ``words``: the same with jieba words (1–2 grams) added to the features — measured in every
      ``evaluate`` run; on our generated data it does not beat ``model`` (see ``docs/routing.md``);
    - ``baseline``: character 1–3 gram TF-IDF → plain LinearSVC (no probabilities).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, preprocessor=normalize)
    if kind == "baseline":
        return Pipeline([("chars", chars), ("clf", LinearSVC(C=1.0))])
    calibrated = CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", cv=3, ensemble=False)
    if kind == "model":
        return Pipeline([("chars", chars), ("clf", calibrated)])
    if kind != "words":
        raise ValueError(kind)
    word_tfidf = TfidfVectorizer(
        tokenizer=words, token_pattern=None, preprocessor=normalize, ngram_range=(1, 2), sublinear_tf=True
    )
    features = FeatureUnion([("words", word_tfidf), ("chars", chars)])
    return Pipeline([("features", features), ("clf", calibrated)])


def fit(texts: list[str], labels: list[str], *, weights: list[float] | None = None, kind: str = "model"):
    """Fit a pipeline of ``kind``; ``weights`` (one per text) let staff corrections count more."""
    pipeline = build(kind)
    params = {"clf__sample_weight": weights} if weights is not None else {}
    pipeline.fit(list(texts), list(labels), **params)
    return pipeline


def split(texts, labels, *, test_size: float = 0.2, seed: int = 0, ordered: bool = False):
    """Train/test split. ``ordered``: the rows are oldest first and the last ``test_size`` are held out
    (recent cases); otherwise a stratified random split (classes too small to stratify stay in training)."""
    texts, labels = list(texts), list(labels)
    n_test = max(1, int(round(len(texts) * test_size)))
    if ordered:
        cut = len(texts) - n_test
        return texts[:cut], texts[cut:], labels[:cut], labels[cut:]
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    try:
        return train_test_split(texts, labels, test_size=n_test, random_state=seed, stratify=labels)
    except ValueError:
        keep = [i for i, y in enumerate(labels) if counts[y] >= 2]
        rare = [i for i, y in enumerate(labels) if counts[y] < 2]
        a, b, c, d = train_test_split(
            [texts[i] for i in keep],
            [labels[i] for i in keep],
            test_size=min(n_test, len(keep) // 2),
            random_state=seed,
        )
        return a + [texts[i] for i in rare], b, c + [labels[i] for i in rare], d


def evaluate(true: list[str], predicted: list[str]) -> dict:
    """macro-F1, accuracy, per-category precision/recall/F1/support and the confusion table (rows: true
    category, columns: predicted), all plain JSON."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(true) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        true, predicted, labels=labels, zero_division=0
    )
    return {
        "macro_f1": round(
            float(f1_score(true, predicted, labels=sorted(set(true)), average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(accuracy_score(true, predicted)), 4),
        "n_test": len(true),
        "per_category": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(true, predicted, labels=labels).tolist()},
    }


def train_and_evaluate(
    texts, labels, *, weights=None, test_size=0.2, ordered=False, refit=True, compare_words=False
) -> tuple:
    """Fit on a training split, evaluate the model and the baseline (and, ``compare_words``, the jieba
    variant) on the held-out split in the same run, and (``refit``) fit the delivered model on all rows.
    Returns (pipeline, metrics); ``train_seconds`` is the time of the delivered model's fit."""
    texts, labels = list(texts), list(labels)
    weights = list(weights) if weights is not None else [1.0] * len(texts)
    index = list(range(len(texts)))
    train_i, test_i, _a, _b = split(index, labels, test_size=test_size, ordered=ordered)
    tr_x = [texts[i] for i in train_i]
    tr_y = [labels[i] for i in train_i]
    te_x = [texts[i] for i in test_i]
    te_y = [labels[i] for i in test_i]
    started = time.perf_counter()
    candidate = fit(tr_x, tr_y, weights=[weights[i] for i in train_i])
    train_seconds = time.perf_counter() - started
    metrics = evaluate(te_y, list(candidate.predict(te_x)))
    if len(set(tr_y)) >= 2:
        baseline = fit(tr_x, tr_y, kind="baseline")
        base = evaluate(te_y, list(baseline.predict(te_x)))
        metrics["baseline"] = {"macro_f1": base["macro_f1"], "accuracy": base["accuracy"]}
    if compare_words and len(set(tr_y)) >= 2:
        variant = evaluate(te_y, list(fit(tr_x, tr_y, kind="words").predict(te_x)))
        metrics["words"] = {"macro_f1": variant["macro_f1"], "accuracy": variant["accuracy"]}
    metrics["train_seconds"] = round(train_seconds, 3)
    metrics["n_train"] = len(tr_x)
    metrics["support"] = dict(Counter(labels))
    if refit:
        started = time.perf_counter()
        candidate = fit(texts, labels, weights=weights)
        metrics["train_seconds"] = round(time.perf_counter() - started, 3)
    return candidate, metrics


def _probabilities(pipeline, text: str):
    """``predict_proba`` for one text. For the calibrated model, the per-class sigmoids are applied in one
    vectorised step (the same formula as scikit-learn's, without its per-class Python loop): about three
    times faster for one message."""
    import numpy as np

    clf = pipeline.steps[-1][1]
    calibrated = getattr(clf, "calibrated_classifiers_", None)
    if calibrated and len(calibrated) == 1 and len(clf.classes_) > 2:
        one = calibrated[0]
        features = pipeline[:-1].transform([text])
        scores = one.estimator.decision_function(features)[0]
        a = np.array([c.a_ for c in one.calibrators])
        b = np.array([c.b_ for c in one.calibrators])
        p = 1.0 / (1.0 + np.exp(a * scores + b))
        total = p.sum()
        return p / total if total > 0 else np.full(len(p), 1.0 / len(p))
    return pipeline.predict_proba([text])[0]


def top(pipeline, text: str, *, limit: int = 3) -> list[tuple[str, float]]:
    """The ``limit`` most probable labels of ``text``, best first, as (label, probability)."""
    probabilities = _probabilities(pipeline, text)
    ranked = sorted(zip(pipeline.classes_, probabilities, strict=True), key=lambda item: -item[1])
    return [(str(label), round(float(p), 4)) for label, p in ranked[:limit]]


def save(pipeline, directory: Path) -> Path:
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    joblib.dump(pipeline, path, compress=3)
    return path


_cache: dict[str, tuple[float, object]] = {}


def load(path: Path):
    """The pipeline stored at ``path`` (a model directory or its file), cached in memory by path and mtime."""
    import joblib

    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    mtime = path.stat().st_mtime
    hit = _cache.get(str(path))
    if hit and hit[0] == mtime:
        return hit[1]
    pipeline = joblib.load(path)
    _cache[str(path)] = (mtime, pipeline)
    return pipeline
