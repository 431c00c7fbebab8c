"""Tests of the trends stage: hand-built series with known answers, then real arXiv data."""

from __future__ import annotations

import inspect
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sklearn.linear_model import LogisticRegression

import topics.trends as trends
from topics.config.schema import VectorizerConfig
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.models._text import build_vectorizer, resolve_stop_words
from topics.trends import (
    BY_YEAR_COLUMNS,
    KEYWORD_COLUMNS,
    TREND_COLUMNS,
    TrendOptions,
    auto_min_year_total,
    binomial_trend_test,
    by_year,
    compute_trends,
    corpus_years,
    kleinberg_bursts,
    topic_keywords_by_year,
    trend_table,
    wilson_intervals,
)
from topics.trends._keywords import _class_term_counts

YEARS = list(range(2010, 2020))
ADVERSARIAL = r"adversarial\s+(?:examples?|attacks?|perturbations?)"


def make_corpus(
    totals: dict[int, int],
    groups: dict[str, dict[int, int]],
    *,
    undated: int = 0,
    undated_members: dict[str, int] | None = None,
    kind: str = "theme",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Papers per year and a group's papers as the first ``count`` papers of each year."""
    papers = [(f"{y}-{i}", y, f"paper {i} of {y}") for y, n in totals.items() for i in range(n)]
    papers += [(f"nd-{i}", None, f"undated paper {i}") for i in range(undated)]
    rows = [
        (kind, name, f"{y}-{i}")
        for name, counts in groups.items()
        for y, k in counts.items()
        for i in range(k)
    ]
    for name, k in (undated_members or {}).items():
        rows += [(kind, name, f"nd-{i}") for i in range(k)]
    frame = pd.DataFrame(papers, columns=["paper_id", "year", "text"]).astype({"year": "Int64"})
    return frame, pd.DataFrame(rows, columns=["kind", "name", "paper_id"])


def trends_of(
    totals: dict[int, int],
    groups: dict[str, dict[int, int]],
    *,
    reference_date: date | None = None,
    options: TrendOptions | None = None,
) -> pd.DataFrame:
    papers, members = make_corpus(totals, groups)
    table = by_year(papers, members, "theme", options, reference_date=reference_date)
    return trend_table(table, options, reference_date).set_index("name")


def test_trends_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(trends).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }

    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert trends.__all__ == sorted(trends.__all__, key=isort_key)
    assert set(trends.__all__) == public


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(5, 10, 0.2366, 0.7634), (0, 25, 0.0, 0.1332), (50, 100, 0.4038, 0.5962)],
)
def test_trends_wilson_interval_matches_known_values(
    k: int, n: int, low: float, high: float
) -> None:
    got_low, got_high = wilson_intervals([k], [n])
    assert got_low[0] == pytest.approx(low, abs=1e-4)
    assert got_high[0] == pytest.approx(high, abs=1e-4)


def test_trends_wilson_interval_is_nan_without_papers() -> None:
    low, high = wilson_intervals([0], [0])
    assert math.isnan(low[0])
    assert math.isnan(high[0])


def test_trends_by_year_interval_wider_for_small_totals() -> None:
    papers, members = make_corpus({2018: 20, 2019: 2000}, {"g": {2018: 5, 2019: 500}})
    table = by_year(papers, members, "theme").set_index("year")
    assert table.loc[2018, "share"] == table.loc[2019, "share"] == 0.25
    width = table["ci_high"] - table["ci_low"]
    assert width.loc[2018] > 3 * width.loc[2019]


def test_trends_by_year_has_zero_years_and_multilabel_counts() -> None:
    papers, members = make_corpus(
        {2015: 50, 2016: 0, 2017: 50}, {"a": {2015: 10, 2017: 20}, "b": {2015: 10}}
    )
    table = by_year(papers, members, "theme", TrendOptions(min_year_total=1))
    assert list(table.columns) == list(BY_YEAR_COLUMNS)
    a = table[table["name"] == "a"].set_index("year")
    b = table[table["name"] == "b"].set_index("year")
    assert a["count"].tolist() == [10, 0, 20]
    assert b["count"].tolist() == [10, 0, 0]  # papers 2015-0..9 are in both groups
    assert b.loc[2017, "share"] == 0.0
    assert b.loc[2017, "ci_high"] > 0
    assert math.isnan(a.loc[2016, "share"])
    assert a.loc[2016, "flags"] == "too few papers"


def test_trends_by_year_counts_undated_papers_per_group() -> None:
    papers, members = make_corpus(
        {y: 100 for y in YEARS},
        {"g": dict.fromkeys(YEARS, 10)},
        undated=8,
        undated_members={"g": 3},
    )
    table = by_year(papers, members, "theme")
    undated_row = table[table["year"].isna()].iloc[0]
    assert (undated_row["count"], undated_row["total"], undated_row["flags"]) == (3, 8, "undated")
    assert trend_table(table).loc[0, "undated"] == 3
    info = corpus_years(papers, None)
    assert (info["undated"], info["dated"], info["n_papers"]) == (8, 1000, 1008)


def test_trends_by_year_rejects_memberships_of_unknown_papers() -> None:
    papers, members = make_corpus({2019: 10}, {"g": {2019: 2}})
    members.loc[len(members)] = ["theme", "g", "not-a-paper"]
    with pytest.raises(ValueError, match="not-a-paper"):
        by_year(papers, members, "theme")


def test_trends_by_year_rejects_duplicate_paper_ids() -> None:
    papers, members = make_corpus({2019: 10}, {"g": {2019: 2}})
    with pytest.raises(ValueError, match="duplicate paper_id"):
        by_year(pd.concat([papers, papers.head(1)]), members, "theme")


def test_trends_binomial_trend_test_matches_unpenalised_logistic_regression() -> None:
    years = np.array(YEARS)
    totals = np.array([40, 55, 80, 120, 90, 150, 200, 260, 300, 420])
    counts = np.array([2, 3, 6, 9, 10, 14, 25, 30, 41, 60])
    result = binomial_trend_test(years, counts, totals)
    x = np.concatenate([years, years]).reshape(-1, 1) - years.mean()
    y = np.concatenate([np.ones(10), np.zeros(10)])
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(
        x, y, sample_weight=np.concatenate([counts, totals - counts])
    )
    assert result.logit_slope == pytest.approx(reference.coef_[0, 0], rel=1e-5)
    assert result.p_value < 0.01
    assert result.dispersion >= 1


def test_trends_rising_share_is_growing() -> None:
    totals = dict.fromkeys(YEARS, 200)
    rising = {y: 10 + 6 * i + (3 if i % 2 else -3) for i, y in enumerate(YEARS)}
    row = trends_of(totals, {"rising": rising}).loc["rising"]
    assert row["status"] == "growing"
    assert row["p_value"] < 0.05
    assert row["slope"] > 0
    assert row["slope_low"] > 0
    assert row["rule"].startswith("growing: share rises")
    assert (row["first_year"], row["peak_year"], row["n_years_used"]) == (2010, 2019, 10)


def test_trends_flat_noise_is_stable() -> None:
    noise = [20, 23, 18, 21, 19, 24, 17, 22, 20, 19]
    row = trends_of(dict.fromkeys(YEARS, 200), {"flat": dict(zip(YEARS, noise, strict=True))})
    row = row.loc["flat"]
    assert row["status"] == "stable"
    assert row["p_value"] > 0.05
    assert row["rule"].startswith("stable: no significant trend over 2010–2019")


def test_trends_group_of_the_last_two_years_is_emerging() -> None:
    row = trends_of(dict.fromkeys(YEARS, 200), {"new": {2018: 6, 2019: 15}}).loc["new"]
    assert row["status"] == "emerging"
    assert row["p_value"] < 0.05
    assert row["first_year"] == 2018
    assert "first appeared 2018" in row["rule"]


def test_trends_peak_then_collapse_is_fading() -> None:
    shares = [4, 10, 25, 40, 30, 15, 8, 4, 2, 1]
    row = trends_of(dict.fromkeys(YEARS, 200), {"old": dict(zip(YEARS, shares, strict=True))})
    row = row.loc["old"]
    assert row["status"] == "fading"
    assert row["peak_year"] == 2013
    assert row["p_value"] < 0.05
    assert "2013 peak" in row["rule"]


def test_trends_steady_fall_is_declining() -> None:
    counts = [60, 55, 52, 45, 41, 38, 33, 30, 26, 22]
    row = trends_of(dict.fromkeys(YEARS, 300), {"down": dict(zip(YEARS, counts, strict=True))})
    row = row.loc["down"]
    assert row["status"] == "declining"
    assert row["slope"] < 0
    assert row["p_value"] < 0.05


def test_trends_too_few_usable_years_is_insufficient_data() -> None:
    totals = {2014: 5, 2015: 8, 2016: 100, 2017: 100, 2018: 100}
    row = trends_of(totals, {"g": {2014: 1, 2016: 5, 2017: 9, 2018: 20}}).loc["g"]
    assert row["status"] == "insufficient data"
    assert row["n_years_used"] == 3
    assert "2014–2015 excluded: too few papers" in row["rule"]


def test_trends_incomplete_last_year_is_flagged_and_excluded_from_slope() -> None:
    totals = {**dict.fromkeys(YEARS[:-1], 200), 2019: 40}
    counts = {**dict.fromkeys(YEARS[:-1], 20), 2019: 30}  # a spike in a partial year
    papers, members = make_corpus(totals, {"g": counts})
    reference = date(2019, 3, 31)
    table = by_year(papers, members, "theme", reference_date=reference)
    assert table.set_index("year").loc[2019, "flags"] == "incomplete year (data up to 2019-03-31)"
    excluded = trend_table(table, TrendOptions(), reference).iloc[0]
    assert excluded["status"] == "stable"
    assert excluded["n_years_used"] == 9
    assert "2019 excluded: incomplete year (data up to 2019-03-31)" in excluded["rule"]
    included = trend_table(table, TrendOptions(exclude_incomplete_last_year=False), reference)
    assert included.iloc[0]["n_years_used"] == 10
    assert included.iloc[0]["p_value"] < excluded["p_value"]
    info = corpus_years(papers, reference)
    assert (info["incomplete_year"], info["last_year"]) == (2019, 2019)


def test_trends_year_ending_on_reference_date_is_complete() -> None:
    papers, members = make_corpus(dict.fromkeys(YEARS, 30), {"g": dict.fromkeys(YEARS, 3)})
    table = by_year(papers, members, "theme", reference_date=date(2019, 12, 31))
    assert not table["flags"].str.contains("incomplete").any()
    assert corpus_years(papers, date(2019, 12, 31))["incomplete_year"] is None


def test_trends_year_range_option_limits_the_table() -> None:
    papers, members = make_corpus(dict.fromkeys(YEARS, 30), {"g": dict.fromkeys(YEARS, 3)})
    options = TrendOptions(min_year=2013, max_year=2016)
    table = by_year(papers, members, "theme", options)
    assert table["year"].tolist() == [2013, 2014, 2015, 2016]
    assert corpus_years(papers, None, options)["outside_range"] == 180


def test_trends_kleinberg_finds_a_synthetic_spike() -> None:
    counts = [10, 9, 11, 10, 10, 45, 50, 10, 9, 11]
    assert kleinberg_bursts(counts, [500] * 10) == [(5, 6)]
    assert kleinberg_bursts([10] * 10, [500] * 10) == []
    spike = dict(zip(YEARS, counts, strict=True))
    assert trends_of(dict.fromkeys(YEARS, 500), {"g": spike}).loc["g", "bursts"] == "2015-2016"


def test_trends_kleinberg_weighs_years_by_their_totals() -> None:
    # Same spike in share, but in a year with 10 papers: not enough evidence for a burst.
    assert kleinberg_bursts([10, 10, 2, 10, 10], [500, 500, 10, 500, 500]) == []
    assert kleinberg_bursts([10, 10, 100, 10, 10], [500, 500, 500, 500, 500]) == [(2, 2)]


def test_trends_topic_keywords_follow_the_year() -> None:
    papers = pd.DataFrame(
        {
            "paper_id": ["a", "b", "c", "d", "e", "f"],
            "year": pd.array([2018, 2018, 2019, 2019, 2019, None], dtype="Int64"),
            "text": [
                "graph neural networks for molecules",
                "graph neural networks on citation graphs",
                "transformer language models scale",
                "transformer attention for language",
                "protein folding with deep learning",
                "graph kernels",
            ],
        }
    )
    topic_of_paper = pd.Series(["0", "0", "0", "0", "1", "0"], index=list("abcdef"))
    table = topic_keywords_by_year(papers, topic_of_paper, top_n=3)
    assert list(table.columns) == list(KEYWORD_COLUMNS)
    assert table[["topic", "count"]].values.tolist() == [["0", 2], ["0", 2], ["0", 1], ["1", 1]]
    keywords = {
        (topic, str(year)): words
        for topic, year, words in zip(table["topic"], table["year"], table["keywords"], strict=True)
    }
    assert keywords["0", "2018"].split(", ")[0] == "graph neural"
    assert keywords["0", "2019"] == "language, transformer, attention"
    assert keywords["1", "2019"] == "deep, deep learning, folding"
    assert keywords["0", "<NA>"] == "graph kernels, kernels, graph"


def test_trends_compute_trends_returns_every_table() -> None:
    papers, themes = make_corpus(dict.fromkeys(YEARS, 50), {"t": dict.fromkeys(YEARS, 5)})
    topics = pd.DataFrame(
        {"kind": "topic", "name": papers["paper_id"].str[-1], "paper_id": papers["paper_id"]}
    )
    tables = compute_trends(papers, pd.concat([themes, topics]), reference_date=date(2019, 6, 1))
    assert tables.themes_by_year["name"].unique().tolist() == ["t"]
    assert tables.topics_by_year["name"].unique().tolist() == [str(i) for i in range(10)]
    assert list(tables.trends.columns) == list(TREND_COLUMNS)
    assert tables.trends["kind"].tolist() == ["theme"] + ["topic"] * 10
    assert len(tables.topic_keywords) == 100
    assert tables.corpus["incomplete_year"] == 2019


def test_trends_options_reject_unknown_keys_and_reversed_range() -> None:
    with pytest.raises(ValidationError, match="min_year_totl"):
        TrendOptions(min_year_totl=5)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="min_year must not be after max_year"):
        TrendOptions(min_year=2020, max_year=2010)


def read_archive_sample(archive: Path, categories: list[str]) -> pd.DataFrame:
    """Unique papers of a few category files, with only the columns the test needs."""
    frames = [
        pd.read_csv(
            next(archive.glob(f"{category}.*.tsv.xz")),
            sep="\t",
            usecols=["arxiv_id", "abstract", "created"],
            dtype=str,
        )
        for category in categories
    ]
    raw = pd.concat(frames, ignore_index=True)
    raw["paper_id"] = raw["arxiv_id"].map(normalize_arxiv_id)
    papers = raw.dropna(subset=["paper_id"]).drop_duplicates("paper_id")
    created = pd.to_datetime(papers["created"], format="%Y-%m-%d", errors="coerce")
    return pd.DataFrame(
        {
            "paper_id": papers["paper_id"],
            "year": created.dt.year.astype("Int64"),
            "text": papers["abstract"].fillna(""),
        }
    )


def test_trends_adversarial_robustness_grows_in_real_arxiv_data(archive_dir: Path) -> None:
    papers = read_archive_sample(archive_dir, ["cs.CR", "cs.NE"])
    adversarial = papers["text"].str.contains(ADVERSARIAL, case=False, regex=True)
    members = pd.DataFrame(
        {
            "kind": "theme",
            "name": "adversarial robustness",
            "paper_id": papers["paper_id"][adversarial],
        }
    )
    harvest_end = date(2020, 1, 2)  # the archive's README: harvest finished then
    table = by_year(papers, members, "theme", reference_date=harvest_end)
    shares = table.set_index("year")["share"]
    assert shares.loc[2015] < shares.loc[2017] < shares.loc[2019]
    assert shares.loc[2019] > 5 * shares.loc[2015]
    row = trend_table(table, TrendOptions(), harvest_end).iloc[0]
    assert row["status"] in {"growing", "emerging"}
    assert row["p_value"] < 0.05
    assert row["peak_year"] >= 2018
    assert "2019" in row["bursts"]
    assert corpus_years(papers, harvest_end)["incomplete_year"] is None


def test_trends_topic_keywords_never_join_words_of_two_papers() -> None:
    papers = pd.DataFrame(
        {
            "paper_id": ["a", "b"],
            "year": pd.array([2019, 2019], dtype="Int64"),
            "text": ["quantum annealing", "protein folding"],
        }
    )
    table = topic_keywords_by_year(papers, pd.Series(["0", "0"], index=["a", "b"]), top_n=20)
    terms = table.loc[0, "keywords"].split(", ")
    assert sorted(terms) == sorted(
        ["quantum", "annealing", "quantum annealing", "protein", "folding", "protein folding"]
    )


def test_trends_trend_table_reads_a_by_year_table_back_from_csv(tmp_path: Path) -> None:
    totals = {**dict.fromkeys(YEARS[:-1], 200), 2019: 40}
    papers, members = make_corpus(totals, {"g": dict.fromkeys(YEARS, 20)}, undated=4)
    table = by_year(papers, members, "theme", reference_date=date(2019, 3, 31))
    table.to_csv(tmp_path / "themes_by_year.csv", index=False)
    reread = pd.read_csv(tmp_path / "themes_by_year.csv", dtype={"name": str, "year": "Int64"})
    # No reference date given: the incomplete year is taken from the flags.
    assert (
        trend_table(reread)
        .drop(columns="rule")
        .equals(trend_table(table, reference_date=date(2019, 3, 31)).drop(columns="rule"))
    )
    assert "2019 excluded: incomplete year" in trend_table(reread).loc[0, "rule"]


def test_trends_keyword_counts_equal_countvectorizer_summed_by_group() -> None:
    texts = [
        "Adversarial examples fool deep networks; adversarial training helps.",
        "We study graph neural networks for molecules.",
        "Deep networks, deep features: a study of adversarial robustness.",
        "Graph kernels versus graph neural networks.",
    ]
    groups = [[texts[0], texts[2]], [texts[1], texts[3]]]
    counts, vocabulary = _class_term_counts(groups, min_df=1)
    # Counted as the topic models count words (abstract stop words such as
    # "study" removed, hyphenated words whole).
    config = VectorizerConfig(ngram_range=(1, 2), min_df=1, max_df=1.0)
    vectorizer = build_vectorizer(config, stop_words=resolve_stop_words(config))
    per_paper = vectorizer.fit_transform(texts).toarray()
    expected = np.vstack([per_paper[[0, 2]].sum(axis=0), per_paper[[1, 3]].sum(axis=0)])
    names = vectorizer.get_feature_names_out().tolist()
    order = [vocabulary.tolist().index(name) for name in names]
    assert sorted(vocabulary.tolist()) == names
    assert (counts.toarray()[:, order] == expected).all()
    shared, shared_vocabulary = _class_term_counts(groups, min_df=2)
    assert sorted(shared_vocabulary.tolist()) == ["networks"]
    assert shared.shape == (2, 1)


def test_trends_rise_then_fall_is_declining_since_the_peak() -> None:
    counts = [40, 60, 80, 100, 120, 108, 88, 72, 60, 48]  # of 400: 10% up to 30%, down to 12%
    row = trends_of(dict.fromkeys(YEARS, 400), {"g": dict(zip(YEARS, counts, strict=True))})
    row = row.loc["g"]
    assert row["status"] == "declining"
    assert row["rule"].startswith("declining since the 2014 peak")
    assert row["test"].endswith("2014–2019 (6 years)")
    assert row["p_value"] < 0.05


def test_trends_status_p_value_and_interval_come_from_one_fit() -> None:
    """p < alpha exactly when the printed interval excludes zero, on 200 random series."""
    rng = np.random.default_rng(7)
    totals = dict.fromkeys(YEARS, 300)
    groups = {}
    for g in range(200):
        base, drift = rng.uniform(0.02, 0.3), rng.normal(0, 0.01)
        shares = np.clip(base + drift * np.arange(len(YEARS)), 0.001, 0.999)
        groups[f"g{g}"] = dict(zip(YEARS, rng.binomial(300, shares).tolist(), strict=True))
    table = trends_of(totals, groups)
    excludes_zero = (table["slope_low"] > 0) | (table["slope_high"] < 0)
    significant = table["p_value"] < 0.05
    assert 20 < significant.sum() < 180, "the sample should hold both kinds"
    assert (excludes_zero == significant).all()
    assert (table["slope_low"] <= table["slope"]).all()
    assert (table["slope"] <= table["slope_high"]).all()
    up = table["status"].isin(["growing", "emerging"])
    down = table["status"].isin(["declining", "fading"])
    assert (table.loc[up, "slope_low"] * 100).round(2).gt(0).all()
    assert (table.loc[down & (table["test"].str.endswith("2010–2019 (10 years)")), "slope_high"]
            .mul(100).round(2).lt(0).all())  # fmt: skip
    assert (table.loc[table["status"] == "stable", "p_value"] >= 0.05).all()


def test_trends_papers_in_a_single_usable_year_are_not_a_trend() -> None:
    """Seeds: 7 watermarking papers, all in the last usable year, were 'emerging, +0.00 pp/yr'."""
    totals = {y: 40 for y in range(2019, 2026)}
    row = trends_of(totals, {"new": {2025: 7}}).loc["new"]
    assert row["status"] == "insufficient data"
    assert "papers in only one usable year (2025)" in row["rule"]
    assert np.isnan(row["slope"])
    assert np.isnan(row["p_value"])
    assert row["bursts"] == "" or pd.isna(row["bursts"]), "no bursts beside insufficient data"


def test_trends_significant_slope_too_small_to_print_is_stable() -> None:
    """A real but invisible change (+0.0004 pp/yr) must not be headlined '+0.00 pp/yr, growing'."""
    # 10 million papers a year: the by_year table is written out, not built from papers.
    table = pd.DataFrame(
        {
            "kind": "theme",
            "name": "tiny",
            "year": pd.array(YEARS, dtype="Int64"),
            "count": [10_000 + 40 * i for i in range(len(YEARS))],
            "total": 10_000_000,
            "flags": "",
        }
    )
    row = trend_table(table).set_index("name").loc["tiny"]
    assert row["p_value"] < 0.05
    assert round(row["slope"] * 100, 2) == 0
    assert row["status"] == "stable"
    assert "does not clear zero at 0.01 pp/yr" in row["rule"]


def test_trends_excluded_years_are_listed() -> None:
    totals = {2012: 3, 2013: 100, 2014: 100, 2015: 100, 2016: 100, 2017: 100}
    row = trends_of(totals, {"g": {2012: 1, 2013: 10, 2014: 12, 2015: 20, 2016: 25, 2017: 30}})
    assert row.loc["g", "excluded_years"] == "2012"
    assert row.loc["g", "peak_year"] == 2017


def test_trends_auto_min_year_total_follows_the_corpus_size() -> None:
    assert auto_min_year_total(60, 6) == 3
    assert auto_min_year_total(400, 10) == 10
    assert auto_min_year_total(6042, 20) == 20
    assert auto_min_year_total(0, 0) == 3


def test_trends_small_corpus_gets_trends_with_the_auto_threshold() -> None:
    """60 papers over 6 years: with a fixed 20 a year, no year was usable at all."""
    totals = dict.fromkeys(range(2014, 2020), 10)
    group = {2014: 1, 2015: 2, 2016: 3, 2017: 5, 2018: 7, 2019: 9}
    row = trends_of(totals, {"g": group}).loc["g"]
    assert row["n_years_used"] == 6
    assert row["status"] == "growing"
    fixed = trends_of(totals, {"g": group}, options=TrendOptions(min_year_total=20)).loc["g"]
    assert fixed["status"] == "insufficient data"
    assert "only 0 usable years of 2014–2019" in fixed["rule"]
    assert "trends.min_year_total=20" in fixed["rule"]
    assert "2014–2019 excluded" in fixed["rule"]
    assert fixed["bursts"] == "" or pd.isna(fixed["bursts"])


def test_trends_topic_keywords_are_hidden_in_years_with_too_few_papers() -> None:
    """A year of one or two papers shows its count, not the junk of those abstracts."""
    papers = pd.DataFrame(
        {
            "paper_id": ["a", "b", "c", "d"],
            "year": pd.array([2018, 2018, 2018, 2019], dtype="Int64"),
            "text": [
                "graph neural networks for molecules",
                "graph neural networks on citation graphs",
                "graph kernels for molecules",
                "instead universal specialized compression",
            ],
        }
    )
    topic_of_paper = pd.Series(["0"] * 4, index=list("abcd"))
    table = topic_keywords_by_year(papers, topic_of_paper, top_n=3, min_papers=3)
    rows = {
        int(y): (n, k)
        for y, n, k in zip(table["year"], table["count"], table["keywords"], strict=False)
    }
    assert rows[2019] == (1, "")
    assert rows[2018][0] == 3
    assert "graph" in rows[2018][1]
    # The default options hide years of fewer than 5 papers.
    assert trends.TrendOptions().keyword_min_papers == 5


def test_trends_a_step_down_to_zero_states_the_bound_not_an_unbounded_slope() -> None:
    """Seeds topic 3 (issue 15): 30% at its 2020 peak, then 0% in every year after.

    No finite logit slope fits a step, so the slope is missing; the headline
    said "unbounded pp/yr" beside p=0.03 and the report's card showed "–".
    The interval's finite end is a true bound: the rule states it.
    """
    totals = {2019: 11, 2020: 10, 2021: 11, 2022: 6, 2023: 10, 2024: 5, 2025: 6}
    group = {2019: 3, 2020: 3, 2021: 0, 2022: 0, 2023: 0, 2024: 0, 2025: 0}
    options = TrendOptions(min_year_total=5)
    row = trends_of(totals, {"g": group}, options=options).loc["g"]
    assert row["status"] in {"fading", "declining"}
    assert math.isnan(row["slope"])
    assert math.isnan(row["slope_low"])
    assert row["slope_high"] < 0
    assert "unbounded pp/yr" not in row["rule"]
    # p comes from the years since the peak, and so does the count printed under it.
    assert row["n_years_used"] == 6
    assert row["test"].endswith("2020–2025 (6 years)")
    assert f"≤ {row['slope_high'] * 100:+.2f} pp/yr, a step too sharp" in row["rule"]
