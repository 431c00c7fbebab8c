"""Topic labels: phrases instead of keyword fragments, and the user's own labels.

The phrase tests run on the 400 real archive abstracts of ``conftest.py``
(four unrelated categories, the category standing in for the topic) with the
torch-free ``tfidf-svd`` embedder fitted on them, as a run with that backend
does; the seeds runs are in ``tests/test_labels_pipeline.py``.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pytest

from topics.config.schema import (
    AutoLabelConfig,
    EmbeddingConfig,
    ModelConfig,
    TopicLabelRule,
    VectorizerConfig,
)
from topics.embed import build_embedder
from topics.models import LDATopicModel
from topics.models._phrases import PhraseCounter, drop_fragments, fragment_terms, phrase_keys
from topics.models._text import (
    LEGACY_TOKEN_PATTERN,
    build_vectorizer,
    fit_vocabulary,
    keyword_fragments,
    resolve_stop_words,
)
from topics.models.labels import apply_user_labels, phrase_labels, set_phrase_labels

# Tokens that made labels unreadable: halves of hyphenated words and of
# "Monte Carlo", Latin abbreviations, and words that name nothing alone.
JUNK_TOKENS = {
    "pre", "non", "semi", "multi", "co", "sub", "anti", "monte", "carlo", "eg", "ie", "al",
    "et", "new", "novel", "proposed", "based", "using", "results", "paper", "method",
}  # fmt: skip


def _label_words(label: str) -> set[str]:
    return {w for part in label.split(" · ") for w in part.lower().split()}


# -- candidate phrases ---------------------------------------------------------


def test_hyphenated_words_stay_whole_in_phrases_and_keywords() -> None:
    text = (
        "Pre-training of non-convex models with Markov chain Monte Carlo improves "
        "self-supervised learning; e.g. pre- and post-processing."
    )
    keys, _, _ = phrase_keys(text)
    assert {"pre-training", "non-convex models", "markov chain monte carlo"} <= keys
    assert {"self-supervised learning", "post-processing"} <= keys
    assert not {"pre", "non", "training", "convex", "self", "supervised"} & keys
    analyzer = build_vectorizer(
        VectorizerConfig(), stop_words=resolve_stop_words(VectorizerConfig())
    ).build_analyzer()
    terms = analyzer(text.lower())
    assert {"pre-training", "non-convex", "self-supervised", "post-processing"} <= set(terms)
    assert not {"pre", "non", "self", "supervised"} & set(terms)


def test_fragments_of_a_longer_name_are_dropped_and_its_case_is_kept() -> None:
    counter = PhraseCounter()
    counter.add_group(
        [
            "We sample with Monte Carlo. Sequential Monte Carlo methods converge.",
            "A Monte Carlo estimate of the posterior. Monte Carlo sampling is slow.",
            "Quasi Monte Carlo rules for integration in Bayesian inference.",
        ]
    )
    fragments = drop_fragments(counter.total())
    assert {"monte", "carlo"} <= fragments
    assert "monte carlo" not in fragments
    assert counter.display("monte carlo") == "Monte Carlo"
    assert counter.display("bayesian inference") == "Bayesian inference"
    # Words capitalised only because they start a sentence are printed in lower case.
    assert counter.display("sequential") == "sequential"


def test_keyword_fragments_are_pieces_of_a_longer_name() -> None:
    df = {
        "monte": 100, "carlo": 100, "monte carlo": 99, "chain monte": 60, "markov": 120,
        "markov chain": 70, "chain": 200, "carlo methods": 30, "deep": 300,
        "deep learning": 100, "learning": 500, "quantum": 2, "quantum annealing": 2,
    }  # fmt: skip
    assert fragment_terms(df) == {"monte", "carlo", "chain monte", "carlo methods"}


def test_lda_keywords_skip_fragments_of_longer_names(corpus: pd.DataFrame) -> None:
    abstracts = corpus["abstract"].tolist()
    model = LDATopicModel(nr_topics=4, random_state=0).fit(abstracts)
    config = VectorizerConfig()
    _, counts = fit_vocabulary(abstracts, config, stop_words=resolve_stop_words(config))
    fragments = keyword_fragments(model.vocabulary_, counts)
    # "partial differential" of "partial differential equations", "reinforcement"
    # of "reinforcement learning"
    assert {"partial differential", "reinforcement"} <= fragments
    for keywords in model.topic_table_["keywords"]:
        assert len(keywords) == model.top_n_words
        assert not set(keywords) & fragments


# -- phrase labels on real abstracts ------------------------------------------


@pytest.fixture(scope="module")
def labelled(corpus: pd.DataFrame):
    docs = corpus["abstract"].tolist()
    topics = pd.factorize(corpus["category"], sort=True)[0].astype(np.int64)
    embedder = build_embedder(EmbeddingConfig(backend="tfidf-svd", svd_components=64), seed=0)
    embedder.fit(docs)
    vectors = embedder.encode(docs)

    def label() -> dict:
        return phrase_labels(docs, topics, vectors, embedder.encode, AutoLabelConfig())

    return corpus, topics, label


def test_phrase_labels_name_each_category_without_junk(labelled) -> None:
    corpus, _, label = labelled
    phrases = label()
    categories = sorted(corpus["category"].unique())
    assert sorted(phrases) == [0, 1, 2, 3]
    for topic, found in phrases.items():
        assert 3 <= len(found.phrases) <= 8, (categories[topic], found.phrases)
        top = " · ".join(found.phrases[:3])
        assert not _label_words(top) & JUNK_TOKENS, (categories[topic], top)
        # No phrase repeats a word of a better one.
        words = [set(p.lower().split()) for p in found.phrases]
        assert all(not (a & b) for i, a in enumerate(words) for b in words[i + 1 :]), found
    by_category = {categories[t]: " ".join(p.phrases[:3]).lower() for t, p in phrases.items()}
    assert re.search(r"audio|speech|music|sound", by_category["cs.SD"]), by_category
    assert re.search(r"render|mesh|shape|image|surface", by_category["cs.GR"]), by_category


def test_phrase_labels_are_identical_when_computed_twice(labelled) -> None:
    _, _, label = labelled
    assert label() == label()


def test_set_phrase_labels_keeps_keywords_and_records_the_source() -> None:
    table = pd.DataFrame(
        {
            "topic": [-1, 0, 1],
            "label": ["Outliers (no topic)", "monte · carlo", "pre · training"],
            "keywords": [[], ["monte", "carlo"], ["pre", "training"]],
        }
    )
    from topics.models.labels import TopicPhrases

    phrases = {
        0: TopicPhrases(0, ("Monte Carlo", "importance sampling", "variance"), (1.0, 0.8, 0.5)),
    }
    out = set_phrase_labels(table, phrases, n_phrases=2)
    assert out["label"].tolist() == [
        "Outliers (no topic)",
        "Monte Carlo · importance sampling",
        "pre · training",
    ]
    assert out["label_source"].tolist() == ["outliers", "phrases", "keywords"]
    assert out["keywords"].tolist() == table["keywords"].tolist()
    assert out["phrases"].tolist()[1] == ["Monte Carlo", "importance sampling", "variance"]


# -- user labels ----------------------------------------------------------------


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic": [0, 1, 2],
            "label": ["adversarial examples · robustness", "watermarks", "text watermarking"],
            "keywords": [["adversarial", "attacks"], ["watermark", "images"], ["text", "llm"]],
            "phrases": [["adversarial examples"], ["image watermarks"], ["text watermarking"]],
            "label_source": ["phrases"] * 3,
        }
    )


def test_user_labels_by_id_and_by_keyword_win_over_automatic_ones() -> None:
    rules = [
        TopicLabelRule(topic=0, label="Adversarial robustness"),
        TopicLabelRule(match="watermark", label="Watermarking"),
    ]
    out = apply_user_labels(_table(), rules)
    assert out["label"].tolist() == [
        "Adversarial robustness",
        "Watermarking (image watermarks)",
        "Watermarking (text watermarking)",
    ]
    assert out["label_source"].tolist() == ["user"] * 3
    # A topic rule comes first: the match rule does not relabel topic 0.
    out = apply_user_labels(
        _table(), [rules[0], TopicLabelRule(match="adversarial", label="Attacks")]
    )
    assert out["label"].tolist()[0] == "Adversarial robustness"


def test_user_label_for_a_missing_or_renumbered_topic_warns_naming_the_entry(caplog) -> None:
    rules = [
        TopicLabelRule(topic=7, label="Gone"),
        TopicLabelRule(topic=1, match="adversarial", label="Robustness"),
        TopicLabelRule(match="protein", label="Biology"),
    ]
    with caplog.at_level(logging.WARNING, logger="topics.labels"):
        out = apply_user_labels(_table(), rules)
    assert out["label"].tolist() == _table()["label"].tolist()
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "model.labels[0] ('Gone'): there is no topic 7 in this run (topics 0-2)" in messages
    assert "model.labels[1] ('Robustness'): topic 1 no longer has" in messages
    assert "model.labels[2] ('Biology'): no topic has a keyword or phrase" in messages


def test_user_label_config_short_form_and_errors() -> None:
    assert ModelConfig(labels={3: "Adversarial robustness"}).labels == [
        TopicLabelRule(topic=3, label="Adversarial robustness")
    ]
    with pytest.raises(ValueError, match="needs 'topic: ID' or 'match: WORD'"):
        ModelConfig(labels=[{"label": "Nothing"}])
    with pytest.raises(ValueError, match="topic 3 is labelled twice"):
        ModelConfig(labels=[{"topic": 3, "label": "A"}, {"topic": 3, "label": "B"}])


# -- saved models -------------------------------------------------------------


def test_a_model_saved_with_the_old_tokenizer_counts_words_as_it_was_fitted(
    abstracts: list[str], tmp_path
) -> None:
    model = LDATopicModel(nr_topics=4, random_state=0).fit(abstracts)
    assert any("-" in term for term in model.vocabulary_)
    path = model.save(tmp_path / "lda")
    meta = path / "model.json"
    text = meta.read_text()
    assert '"token_pattern"' in text
    # A model of an earlier version has no token pattern in its state.
    import json

    saved = json.loads(text)
    del saved["state"]["token_pattern"]
    meta.write_text(json.dumps(saved))
    loaded = LDATopicModel.load(path)
    assert loaded.token_pattern_ == LEGACY_TOKEN_PATTERN
    assert "phrases" in loaded.topic_table_.columns
    assert loaded.topic_table_["phrases"].map(len).eq(0).all()
