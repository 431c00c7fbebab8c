"""Measure theme assignment on the labelled seed papers: P/R/F1 per theme and signal.

Reads the seed scrapes with ``topics.ingest`` (format detected), embeds title + abstract
with the backend of ``--backend`` (the packaged all-MiniLM-L6-v2 by default; ``static``
is model2vec distilled from it, ``tfidf-svd`` is fitted on the seed texts as a run
would; vectors cached under ``--cache-dir``), scores them with the themes of
``configs/default.yaml`` and that backend's shipped weights, and compares with
``tests/fixtures/themes/labels.csv``.

Rows of the report:

- each signal alone (description similarity, phrase similarity, best phrase, lexical
  hits with and without position weights, topic affinity): a one-feature logistic fit
  and threshold chosen on the training folds of a 5-fold cross-validation;
- ``combined (shipped)``: the default ``SignalWeights`` at threshold 0.5. They were
  fitted on this very set, so this row is optimistic;
- ``combined (5-fold CV)``: the same form, weights refitted on the training folds;
- ``combined (leave theme out)``: weights fitted without the theme being scored, which
  is what a user who adds a theme to the config gets;
- ablations and ``+ topics``: KMeans topics on the embeddings stand in for the topic
  model (the signal needs only a topic id per paper).

    .venv/bin/python benchmarks/eval_themes.py [--backend static] [--refit] [--topics 20]
        [--json benchmarks/results/themes_static.json]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from topics.config.schema import EmbeddingConfig, ThemeConfig
from topics.embed import build_embedder, embed_texts
from topics.ingest import ReadOptions, read_source
from topics.themes import SignalWeights, ThemeAssigner, ThemeScores, weights_for_backend

REPO = Path(__file__).resolve().parents[1]
FOLDS = 5


def load_seed_papers(seeds: Path) -> pd.DataFrame:
    """One row per distinct title (or arXiv id for untitled records), in file order."""
    rows = []
    for path in sorted(seeds.glob("*.txt")):
        result = read_source(path, "auto", ReadOptions(display_path=path.name))
        for issue in result.issues:
            if issue.severity == "error":
                print(f"  ingest error: {issue}")
        for record in result.records:
            key = record.title or record.arxiv_id or record.id
            rows.append({"key": key, "title": record.title, "abstract": record.abstract})
    return pd.DataFrame(rows).drop_duplicates("key").reset_index(drop=True)


def load_labels(path: Path, keys: pd.Series, themes: list[str]) -> pd.DataFrame:
    """Boolean paper × theme table for the labelled papers found among ``keys``."""
    labels = pd.read_csv(path, keep_default_na=False, dtype=str)
    labels["key"] = [t or a for t, a in zip(labels["title"], labels["arxiv_id"], strict=True)]
    missing = sorted(set(labels["key"]) - set(keys))
    if missing:
        print(f"  {len(missing)} labelled papers not found in the seeds, e.g. {missing[:3]}")
    labels = labels[labels["key"].isin(set(keys))]
    table = pd.DataFrame(
        {t: labels["themes"].str.split(";").apply(lambda ts, t=t: t in ts) for t in themes}
    )
    table.index = labels["key"].to_numpy()
    table["note"] = labels["note"].to_numpy()
    return table


def signal_table(scores: ThemeScores, column: str, keys: list[str]) -> np.ndarray:
    """Labelled papers × themes array of one column of ``scores.long``."""
    table = scores.long.pivot(index="paper_id", columns="theme", values=column)
    return table.loc[keys, scores.themes].to_numpy(dtype=float)


def best_phrase_table(scores: ThemeScores, keys: list[str]) -> np.ndarray:
    """Similarity to the single nearest seed phrase, read back from the evidence."""
    best = scores.long["evidence"].map(lambda e: json.loads(e)["nearest_phrases"][0][1])
    table = scores.long.assign(best=best).pivot(index="paper_id", columns="theme", values="best")
    return table.loc[keys, scores.themes].to_numpy(dtype=float)


def prf(truth: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp = (truth & pred).sum(0)
    precision = tp / np.maximum(pred.sum(0), 1)
    recall = tp / np.maximum(truth.sum(0), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return precision, recall, f1


def _fit(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(max_iter=1000).fit(x.reshape(-1, x.shape[-1]), y.ravel())


def _proba(model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    return model.predict_proba(x.reshape(-1, x.shape[-1]))[:, 1].reshape(x.shape[:-1])


def cv_single_signal(feature: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """One signal alone: logistic fit and macro-F1-best threshold on training folds."""
    x = np.nan_to_num(feature)[..., None]
    pred = np.zeros(truth.shape, bool)
    for train, test in KFold(FOLDS, shuffle=True, random_state=0).split(truth):
        model = _fit(x[train], truth[train])
        p_train = _proba(model, x[train])
        cut = max(
            np.arange(0.02, 0.98, 0.01), key=lambda t: prf(truth[train], p_train >= t)[2].mean()
        )
        pred[test] = _proba(model, x[test]) >= cut
    return pred


def combined_features(desc: np.ndarray, phrase: np.ndarray, hits: np.ndarray, excl: np.ndarray):
    """The shipped form: exclusion hits share the lexical weight with a minus sign."""
    return np.stack([desc, phrase, np.log1p(hits) - np.log1p(excl)], axis=-1)


def cv_combined(x: np.ndarray, truth: np.ndarray) -> np.ndarray:
    pred = np.zeros(truth.shape, bool)
    for train, test in KFold(FOLDS, shuffle=True, random_state=0).split(truth):
        pred[test] = _proba(_fit(x[train], truth[train]), x[test]) >= 0.5
    return pred


def leave_theme_out(x: np.ndarray, truth: np.ndarray) -> np.ndarray:
    pred = np.zeros(truth.shape, bool)
    for j in range(truth.shape[1]):
        others = [k for k in range(truth.shape[1]) if k != j]
        pred[:, j] = _proba(_fit(x[:, others], truth[:, others]), x[:, j]) >= 0.5
    return pred


def refit_weights(x: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    model = _fit(x, truth)
    w = model.coef_[0]
    return {"bias": model.intercept_[0], "description": w[0], "phrases": w[1], "lexical": w[2]}


def refit_topic_weight(base_logit: np.ndarray, affinity: np.ndarray, truth: np.ndarray):
    known = ~np.isnan(affinity)
    x = np.stack([base_logit[known], affinity[known]], axis=-1)
    model = LogisticRegression(max_iter=1000).fit(x, truth[known])
    scale, w_topic = model.coef_[0]
    return {
        "scale_of_base_logit": scale,
        "topic": w_topic,
        "topic_center": -model.intercept_[0] / w_topic,
    }


def print_tables(
    results: dict[str, np.ndarray], truth: np.ndarray, themes: list[str]
) -> pd.DataFrame:
    summary, f1_rows = [], {}
    for name, pred in results.items():
        p, r, f = prf(truth, pred)
        tp, fp, fn = (truth & pred).sum(), (~truth & pred).sum(), (truth & ~pred).sum()
        micro = 2 * tp / max(2 * tp + fp + fn, 1)
        summary.append((name, p.mean(), r.mean(), f.mean(), micro))
        f1_rows[name] = f
    table = pd.DataFrame(summary, columns=["signal", "macro P", "macro R", "macro F1", "micro F1"])
    print("\n" + table.to_string(index=False, float_format="%.3f"))
    per_theme = pd.DataFrame(f1_rows, index=themes).T
    per_theme.columns = [_short(t) for t in themes]
    print("\nF1 per theme\n" + per_theme.to_string(float_format="%.2f"))
    return table


def print_per_theme(name: str, pred: np.ndarray, truth: np.ndarray, themes: list[str]) -> None:
    p, r, f = prf(truth, pred)
    frame = pd.DataFrame(
        {"n": truth.sum(0), "assigned": pred.sum(0), "P": p, "R": r, "F1": f}, index=themes
    )
    print(f"\n{name}\n" + frame.to_string(float_format="%.2f"))


def _short(theme: str) -> str:
    return re.sub(r"[aeiou-]", "", theme)[:6]


def trap_report(labels: pd.DataFrame, pred: pd.DataFrame) -> None:
    """Papers whose note says ``trap(<themes>)``: they only mention those themes in passing."""
    wrong, total = [], 0
    for key, note in labels["note"].items():
        for match in re.finditer(r"trap\(([^)]*)\)", note):
            for theme in match.group(1).split(";"):
                total += 1
                if pred.loc[key, theme]:
                    wrong.append(f"  {key[:70]!r} assigned to {theme}")
    print(f"\npassing-mention traps: {total} (paper, theme) pairs, {len(wrong)} wrongly assigned")
    print("\n".join(wrong))


def memoised(encode: Callable[..., np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    """Encode each theme text once although several assigner variants are fitted."""
    memo: dict[str, np.ndarray] = {}

    def cached(texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        if new:
            memo.update(zip(new, encode(new), strict=True))
        return np.stack([memo[t] for t in texts])

    return cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    parser.add_argument("--themes", type=Path, default=REPO / "configs" / "default.yaml")
    parser.add_argument("--labels", type=Path, default=REPO / "tests/fixtures/themes/labels.csv")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/topics-eval-themes-cache"))
    parser.add_argument("--topics", type=int, default=20, help="KMeans clusters as topics")
    parser.add_argument("--refit", action="store_true", help="print weights fitted on all labels")
    parser.add_argument(
        "--backend",
        default="sentence-transformers",
        choices=["sentence-transformers", "static", "tfidf-svd"],
        help="embedding backend; its shipped theme weights are scored",
    )
    parser.add_argument("--json", type=Path, help="write the summary table and refit here")
    args = parser.parse_args()

    themes = [ThemeConfig(**t) for t in yaml.safe_load(args.themes.read_text())["themes"]]
    names = [t.name for t in themes]
    papers = load_seed_papers(args.seeds)
    labels = load_labels(args.labels, papers["key"], names)
    keys = list(labels.index)
    truth = labels[names].to_numpy(bool)
    print(f"{len(papers)} seed papers, {len(keys)} labelled, {len(themes)} themes")

    embedder = build_embedder(
        EmbeddingConfig(backend=args.backend), model_cache_dir=args.cache_dir / "static-models"
    )
    docs = [
        f"{t}. {a}" if t else a for t, a in zip(papers["title"], papers["abstract"], strict=True)
    ]
    embedder.fit(docs)  # tfidf-svd learns from the corpus, as in a run; the others ignore it
    vectors, _ = embed_texts(docs, embedder, args.cache_dir, show_progress=False)
    encode = memoised(embedder.encode)
    topics = KMeans(args.topics, n_init=10, random_state=0).fit_predict(vectors)

    def run(weights: SignalWeights, with_topics: bool = False) -> ThemeScores:
        assigner = ThemeAssigner(themes, weights=weights).fit(
            encode, encoder_identity=embedder.identity
        )
        return assigner.score(
            list(papers["abstract"]),
            vectors,
            titles=list(papers["title"]),
            paper_ids=list(papers["key"]),
            topics=list(topics) if with_topics else None,
        )

    shipped = weights_for_backend(args.backend)
    base = run(shipped)
    flat = run(replace(shipped, title_hit=1.0, first_sentence_hit=1.0, last_sentence_hit=1.0))
    no_excl = run(replace(shipped, exclusion=0.0))
    with_topics = run(shipped, with_topics=True)

    desc = signal_table(base, "description_similarity", keys)
    phrase = signal_table(base, "phrase_similarity", keys)
    hits = signal_table(base, "lexical_hits", keys)
    excl = signal_table(base, "exclusion_hits", keys)
    affinity = signal_table(with_topics, "topic_affinity", keys)
    x = combined_features(desc, phrase, hits, excl)
    assigned = {
        name: signal_table(s, "assigned", keys).astype(bool)
        for name, s in [
            ("base", base),
            ("no_excl", no_excl),
            ("flat", flat),
            ("topics", with_topics),
        ]
    }
    results = {
        "description similarity": cv_single_signal(desc, truth),
        "phrase similarity (top-3)": cv_single_signal(phrase, truth),
        "best phrase similarity": cv_single_signal(best_phrase_table(base, keys), truth),
        "lexical, position-weighted": cv_single_signal(np.log1p(hits), truth),
        "lexical, unweighted": cv_single_signal(
            np.log1p(signal_table(flat, "lexical_hits", keys)), truth
        ),
        "topic affinity": cv_single_signal(affinity, truth),
        "embeddings (desc+phrase, CV)": cv_combined(x[..., :2], truth),
        "combined (shipped)": assigned["base"],
        "combined (5-fold CV)": cv_combined(x, truth),
        "combined (leave theme out)": leave_theme_out(x, truth),
        "shipped, no exclusions": assigned["no_excl"],
        "shipped, no position weights": assigned["flat"],
        "shipped + topics": assigned["topics"],
    }
    table = print_tables(results, truth, names)
    print_per_theme(
        "combined (shipped), threshold 0.5", results["combined (shipped)"], truth, names
    )
    print_per_theme("combined (5-fold CV)", results["combined (5-fold CV)"], truth, names)
    for name in ("base", "topics"):
        print(f"\n[{name}]", end="")
        trap_report(labels, pd.DataFrame(assigned[name], index=keys, columns=names))
    summary: dict[str, object] = {
        "backend": args.backend,
        "embedder": embedder.identity,
        "shipped_weights": {k: getattr(shipped, k) for k in shipped.__dataclass_fields__},
        "n_labelled": len(keys),
        "table": table.to_dict(orient="records"),
    }
    if args.refit:
        weights = {k: round(float(v), 2) for k, v in refit_weights(x, truth).items()}
        print("\nweights fitted on all labels:", weights)
        base_logit = np.log(np.clip(signal_table(base, "score", keys), 1e-9, 1 - 1e-9))
        base_logit -= np.log1p(-np.clip(signal_table(base, "score", keys), 0, 1 - 1e-9))
        fitted = refit_topic_weight(base_logit, affinity, truth)
        topic = {k: round(float(v), 2) for k, v in fitted.items()}
        print("topic weights fitted on all labels:", topic)
        summary["refit"] = {**weights, **topic}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
