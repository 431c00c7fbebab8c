"""A small but realistic run directory, written to the report's input contract.

30 real arXiv papers (2013–2020, one undated) on adversarial robustness,
continual learning and graph neural networks, four topics plus outliers, and
two hostile titles: an XSS probe and a ``</script>`` breakout with U+2028.
Every file the pipeline exports is written with the columns the report reads,
including both shapes of theme evidence (short and full).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from topics.exports import by_year_for_export
from topics.report import render_report
from topics.themes import UNASSIGNED

XSS_PROBE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
BREAKOUT = 'Robust & "quoted" </script><script>window.__xss=3</script>\u2028 separators'
REFERENCE_DATE = "2020-06-30"
THEMES = [
    {
        "name": "adversarial robustness",
        "description": "Attacks on and defences of models against adversarial examples.",
        "phrases": ["adversarial examples", "adversarial attacks", "adversarial training"],
        "exclude": ["generative adversarial network"],
        "threshold": None,
    },
    {
        "name": "continual learning",
        "description": "Learning from a stream of tasks without forgetting earlier ones.",
        "phrases": ["continual learning", "catastrophic forgetting", "lifelong learning"],
        "exclude": [],
        "threshold": 0.55,
    },
    {
        "name": "graph neural networks",
        "description": "Neural networks that operate on graph-structured data.",
        "phrases": ["graph neural network", "graph convolutional network", "node classification"],
        "exclude": [],
        "threshold": None,
    },
]
TOPICS = {
    0: ("0_adversarial_attacks_robustness", "adversarial;attacks;robustness;perturbations;defense"),
    1: ("1_continual_forgetting_tasks", "continual;forgetting;tasks;replay;incremental"),
    2: ("2_graph_node_convolutional", "graph;node;convolutional;attention;inductive"),
    3: ("3_training_network_deep", "training;network;deep;optimization;attention"),
    -1: ("-1_outliers", "model;data;learning"),
}
ADV, CL, GNN = (t["name"] for t in THEMES)
# title, year, arxiv_id, topic, themes
PAPERS = [
    ("Intriguing properties of neural networks", 2013, "1312.6199", 0, [ADV]),
    ("Explaining and Harnessing Adversarial Examples", 2014, "1412.6572", 0, [ADV]),
    ("Adam: A Method for Stochastic Optimization", 2014, "1412.6980", 3, []),
    ("Deep Residual Learning for Image Recognition", 2015, "1512.03385", 3, []),
    ("Batch Normalization: Accelerating Deep Network Training", 2015, "1502.03167", 3, []),
    ("Adversarial examples in the physical world", 2016, "1607.02533", 0, [ADV]),
    ("Towards Evaluating the Robustness of Neural Networks", 2016, "1608.04644", 0, [ADV]),
    ("Overcoming catastrophic forgetting in neural networks", 2016, "1612.00796", 1, [CL]),
    ("Learning without Forgetting", 2016, "1606.09282", 1, [CL]),
    ("iCaRL: Incremental Classifier and Representation Learning", 2016, "1611.07725", 1, [CL]),
    (
        "Semi-Supervised Classification with Graph Convolutional Networks",
        2016,
        "1609.02907",
        2,
        [GNN],
    ),
    ("Towards Deep Learning Models Resistant to Adversarial Attacks", 2017, "1706.06083", 0, [ADV]),
    ("Gradient Episodic Memory for Continual Learning", 2017, "1706.08840", 1, [CL]),
    ("Continual Learning with Deep Generative Replay", 2017, "1705.08690", 1, [CL]),
    ("Graph Attention Networks", 2017, "1710.10903", 2, [GNN]),
    ("Inductive Representation Learning on Large Graphs", 2017, "1706.02216", 2, [GNN]),
    ("Attention Is All You Need", 2017, "1706.03762", 3, []),
    ("Obfuscated Gradients Give a False Sense of Security", 2018, "1802.00420", 0, [ADV]),
    ("Continual Lifelong Learning with Neural Networks: A Review", 2018, "1802.07569", 1, [CL]),
    ("Experience Replay for Continual Learning", 2018, "1811.11682", 1, [CL]),
    ("How Powerful are Graph Neural Networks?", 2018, "1810.00826", 2, [GNN]),
    ("Adversarial Attacks on Neural Networks for Graph Data", 2018, "1805.07984", 2, [ADV, GNN]),
    (BREAKOUT, 2018, "", -1, []),
    ("Certified Adversarial Robustness via Randomized Smoothing", 2019, "1902.02918", 0, [ADV]),
    (
        "Theoretically Principled Trade-off between Robustness and Accuracy",
        2019,
        "1901.08573",
        0,
        [ADV],
    ),
    ("Three scenarios for continual learning", 2019, "1904.07734", 1, [CL]),
    ("Simplifying Graph Convolutional Networks", 2019, "1902.07153", 2, [GNN]),
    (XSS_PROBE, 2019, "", -1, [ADV]),
    (
        "Dark Experience for General Continual Learning: a Strong, Simple Baseline",
        2020,
        "2004.07211",
        1,
        [CL],
    ),
    ("A survey of benchmark datasets for robust machine learning", None, "", 0, [ADV]),
]
TREND_STATUS = {ADV: "growing", CL: "emerging", GNN: "growing"}


def paper_id(index: int) -> str:
    return f"p{index:03d}"


def build_run_dir(run_dir: Path, *, evaluation: bool = True, model: bool = True) -> Path:
    """Write every file of the report's input contract into ``run_dir``."""
    data = run_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    papers = _papers()
    papers.to_csv(data / "papers.csv", index=False)
    _assignments(papers).to_csv(data / "assignments.csv", index=False)
    _topics(papers).to_csv(data / "topics.csv", index=False)
    years = list(range(2013, 2021))
    totals = papers.dropna(subset=["year"]).groupby("year").size().reindex(years, fill_value=0)
    low_years = [2013]
    by_theme = _by_year(papers, "theme", years, totals, low_years)
    by_topic = _by_year(papers, "topic", years, totals, low_years)
    by_year_for_export(by_theme, "theme").to_csv(data / "themes_by_year.csv", index=False)
    by_year_for_export(by_topic, "topic").to_csv(data / "topics_by_year.csv", index=False)
    _trends().to_csv(data / "trends.csv", index=False)
    _topic_keywords(papers).to_csv(data / "topic_keywords_by_year.csv", index=False)
    _write_json(
        data / "corpus_years.json",
        {
            "years": years,
            "totals": {str(y): int(n) for y, n in totals.items()},
            "undated": int(papers["year"].isna().sum()),
            "incomplete_year": 2020,
            "reference_date": REFERENCE_DATE,
            "low_years": low_years,
        },
    )
    _map(papers).to_csv(data / "map_2d.csv", index=False)
    _similarity().to_csv(data / "topic_similarity.csv", index=False)
    _write_json(data / "ingest_report.json", _ingest_report(papers))
    _merges().to_csv(data / "merges.csv", index=False)
    if evaluation:
        _write_json(data / "evaluation.json", evaluation_result())
    if model:
        (run_dir / "model").mkdir(exist_ok=True)
        _write_json(run_dir / "model" / "model.json", {"format": "topics.bertopic.v1"})
    _write_json(run_dir / "manifest.json", _manifest())
    return run_dir


def evaluation_result() -> dict:
    """``data/evaluation.json`` as ``topics evaluate`` writes it, with a hostile label row."""
    per_topic = [
        {"topic": 0, "label": TOPICS[0][0], "npmi": 0.4213, "words": ["adversarial", "attacks"]},
        {"topic": 1, "label": TOPICS[1][0], "npmi": 0.1875, "words": ["continual", "replay"]},
        {"topic": 2, "label": TOPICS[2][0], "npmi": -0.0521, "words": ["graph", "node"]},
        {"topic": 3, "label": TOPICS[3][0], "npmi": None, "words": ["training"]},
    ]
    scores = [
        {"theme": ADV, "support": 10, "predicted": 11, "precision": 0.8182, "recall": 0.9,
         "f1": 0.8571},
        {"theme": CL, "support": 6, "predicted": 5, "precision": 1.0, "recall": 0.8333,
         "f1": 0.9091},
        {"theme": GNN, "support": 0, "predicted": 0, "precision": None, "recall": None,
         "f1": None},
    ]  # fmt: skip
    return {
        "format": "topics.evaluation",
        "format_version": 1,
        "experiment": "robustness-trends",
        "model_kind": "bertopic",
        "n_papers": len(PAPERS),
        "n_topics": 4,
        "coherence": {"measure": "c_npmi", "top_n": 10, "mean": 0.1856, "per_topic": per_topic},
        "diversity": {"top_n": 5, "value": 0.8947},
        "outliers": {"before_reduction": 0.3667, "after_reduction": 0.0333, "assigned": 0.0333},
        "stability": {
            "seeds": [42, 43, 44],
            "n_topics": [4, 4, 5],
            "ari": {
                "mean": 0.7321,
                "min": 0.6512,
                "pairs": [
                    {"seed_a": 42, "seed_b": 43, "ari": 0.8102},
                    {"seed_a": 42, "seed_b": 44, "ari": 0.7349},
                    {"seed_a": 43, "seed_b": 44, "ari": 0.6512},
                ],
            },
            "topic_match": {
                "centroid": {"threshold": 0.95, "mean_similarity": 0.9712, "share_matched": 0.85},
                "words": {"threshold": 0.8, "mean_similarity": 0.8633, "share_matched": 0.7667},
            },
        },
        "themes": {
            "labels_file": "labels.csv",
            "n_label_rows": 18,
            "n_matched_papers": 16,
            "issues": [
                {"line": 7, "reason": "no paper of this run has this title", "excerpt": XSS_PROBE},
                {
                    "line": 12,
                    "reason": "theme(s) fairness not in this run; ignored for this row",
                    "excerpt": "Fairness through awareness",
                },
            ],
            "n_papers": 16,
            "per_theme": scores,
            "micro": {"precision": 0.875, "recall": 0.875, "f1": 0.875},
            "macro": {"precision": 0.9091, "recall": 0.8667, "f1": 0.8831},
            "macro_themes": [ADV, CL],
        },
    }


def _papers() -> pd.DataFrame:
    rows = []
    for i, (title, year, arxiv_id, topic, themes) in enumerate(PAPERS):
        rows.append(
            {
                "paper_id": paper_id(i),
                "title": title,
                "abstract": f"We study {title.lower()}. Our method improves results on benchmarks.",
                "year": year,
                "date": f"{year}-03-01" if year else "",
                "date_precision": "day" if year else "",
                "authors": "A. Author; B. Author",
                "category": "cs.LG",
                "venue": "",
                "arxiv_id": arxiv_id,
                "sources": f"listing.txt:{10 * i + 1};portal.csv:{i + 2}",
                "text": title.lower(),
                "date_resolution": "arxiv id"
                if arxiv_id
                else ("undated" if not year else "portal"),
                "organisations": "",
                "doi": "10.1000/robust.2021" if not year else "",
                "comments": "",
                "keywords": "",
                "record_ids": f"r{i}",
                "n_records": 2 if i in (1, 8) else 1,
                "topic": topic,
                "topic_label": TOPICS[topic][0],
                "themes": ";".join(themes) or UNASSIGNED,  # the pipeline's contract
            }
        )
    frame = pd.DataFrame(rows)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _assignments(papers: pd.DataFrame) -> pd.DataFrame:
    """Every paper × theme; assigned pairs score high, with evidence in both shapes."""
    rows = []
    for i, paper in papers.iterrows():
        for j, theme in enumerate(THEMES):
            assigned = theme["name"] in paper["themes"].split(";")
            score = round(0.62 + 0.01 * (i % 30) if assigned else 0.08 + 0.013 * ((i + j) % 30), 3)
            phrase = theme["phrases"][i % 3]
            if i % 2:
                evidence = {
                    "description_sim": round(score - 0.1, 3),
                    "phrase_sim": round(score - 0.05, 3),
                    "matched": [phrase] if assigned else [],
                    "topic": int(paper["topic"]),
                    "topic_affinity": 0.6,
                }
            else:
                evidence = {
                    "description_similarity": round(score - 0.12, 3),
                    "nearest_phrases": [[phrase, round(score - 0.02, 3)]],
                    "matched": {phrase: 2} if assigned else {},
                    "in_title": [phrase] if assigned and phrase in paper["title"].lower() else [],
                    "weighted_hits": 3.0 if assigned else 0.0,
                    "topic": {"id": int(paper["topic"]), "affinity": 0.55},
                }
            rows.append(
                {
                    "paper_id": paper["paper_id"],
                    "theme": theme["name"],
                    "score": score,
                    "assigned": assigned,
                    "evidence": json.dumps(evidence, separators=(",", ":")),
                }
            )
    return pd.DataFrame(rows)


# Cosine similarity of the four topics' centres, as the assign stage writes it:
# adversarial robustness and generic training (0, 3) are closest, then the rest.
SIMILARITY = [
    [1.0, 0.41, 0.48, 0.72],
    [0.41, 1.0, 0.39, 0.55],
    [0.48, 0.39, 1.0, 0.51],
    [0.72, 0.55, 0.51, 1.0],
]


def _similarity() -> pd.DataFrame:
    frame = pd.DataFrame(SIMILARITY, columns=[str(t) for t in range(4)])
    frame.insert(0, "topic", range(4))
    return frame


def _topics(papers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for topic, (label, keywords) in TOPICS.items():
        members = papers.loc[papers["topic"] == topic, "paper_id"].tolist()
        rows.append(
            {
                "topic": topic,
                "label": label,
                "keywords": keywords,
                "keyword_weights": ";".join(
                    f"{0.5 - 0.05 * i:.2f}" for i in range(len(keywords.split(";")))
                ),
                "size": len(members),
                "representative_paper_ids": ";".join(members[:3]),
            }
        )
    return pd.DataFrame(rows)


def _by_year(
    papers: pd.DataFrame, kind: str, years: list[int], totals: pd.Series, low: list[int]
) -> pd.DataFrame:
    dated = papers.dropna(subset=["year"])
    if kind == "theme":
        groups = {
            t["name"]: dated["themes"].str.split(";").map(lambda ts, n=t["name"]: n in ts)
            for t in THEMES
        }
    else:
        groups = {str(t): dated["topic"] == t for t in TOPICS}
    rows = []
    for name, mask in groups.items():
        counts = dated.loc[mask].groupby("year").size()
        for year in years:
            n, total = int(counts.get(year, 0)), int(totals[year])
            low_ci, high_ci = _wilson(n, total)
            flags = [f"incomplete year (data up to {REFERENCE_DATE})"] if year == 2020 else []
            flags += ["too few papers"] if year in low else []
            rows.append(
                {
                    "kind": kind,
                    "name": name,
                    "year": year,
                    "count": n,
                    "total": total,
                    "share": n / total if total else math.nan,
                    "ci_low": low_ci,
                    "ci_high": high_ci,
                    "flags": ";".join(flags),
                }
            )
    return pd.DataFrame(rows)


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _trends() -> pd.DataFrame:
    rows = []
    for i, theme in enumerate(THEMES):
        status = TREND_STATUS[theme["name"]]
        rows.append(_trend_row("theme", theme["name"], status, 0.04 - 0.01 * i, 2013 + i, 2019))
    for topic in TOPICS:
        status = "insufficient data" if topic == -1 else ("declining" if topic == 3 else "stable")
        rows.append(
            _trend_row(
                "topic",
                str(topic),
                status,
                -0.03 if topic == 3 else 0.005,
                2013,
                2015 if topic == 3 else 2018,
            )
        )
    return pd.DataFrame(rows)


def _trend_row(kind: str, name: str, status: str, slope: float, first: int, peak: int) -> dict:
    return {
        "kind": kind,
        "name": name,
        "slope": slope,
        "slope_low": slope - 0.02,
        "slope_high": slope + 0.02,
        "p_value": 0.0004 if status != "stable" else 0.41,
        "test": "quasi-binomial GLM, F test (logit share ~ year)",
        "status": status,
        "rule": f"{status}: share rising (Theil–Sen {slope * 100:+.2f} pp/yr) over 2014–2019",
        "first_year": first,
        "peak_year": peak,
        "bursts": "2016-2017" if kind == "theme" else "",
        "n_years_used": 6,
        "undated": 1 if name == ADV else 0,
    }


def _topic_keywords(papers: pd.DataFrame) -> pd.DataFrame:
    dated = papers.dropna(subset=["year"])
    rows = []
    for (topic, year), group in dated.groupby(["topic", "year"]):
        words = TOPICS[topic][1].split(";")
        rows.append(
            {
                "topic": topic,
                "year": int(year),
                "count": len(group),
                "keywords": ";".join(words[int(year) % 2 :]),
            }
        )
    return pd.DataFrame(rows)


def _map(papers: pd.DataFrame) -> pd.DataFrame:
    centres = {0: (1.0, 1.0), 1: (-1.0, 1.0), 2: (1.0, -1.0), 3: (-1.0, -1.0), -1: (0.0, 0.0)}
    rows = []
    for i, paper in papers.iterrows():
        cx, cy = centres[int(paper["topic"])]
        rows.append(
            {
                "paper_id": paper["paper_id"],
                "x": cx + 0.1234567 * math.cos(i),
                "y": cy + 0.1234567 * math.sin(i),
            }
        )
    return pd.DataFrame(rows)


def _ingest_report(papers: pd.DataFrame) -> dict:
    undated = papers.loc[papers["year"].isna(), ["paper_id", "title", "sources"]]
    return {
        "sources": [
            {
                "file": "seeds/listing.txt",
                "format": "arxiv_listing",
                "records": 30,
                "errors": 1,
                "warnings": 1,
                "failed": False,
            },
            {
                "file": "seeds/portal.csv",
                "format": "csv",
                "records": 2,
                "errors": 0,
                "warnings": 0,
                "failed": False,
            },
        ],
        "records": 32,
        "papers": len(papers),
        "merged_papers": 2,
        "records_merged_away": 2,
        "merge_rules": {"arxiv_id": 1, "fuzzy_title": 1},
        "undated_papers": len(undated),
        "undated": undated.to_dict(orient="records"),
        "date_resolution": {"arxiv id": 27, "portal": 2, "undated": 1},
        "issues": [
            {
                "file": "seeds/listing.txt",
                "line": 41,
                "severity": "error",
                "reason": "no title line before the abstract",
                "excerpt": "<b>Abstract:</b> We ...",
            },
            {
                "file": "seeds/listing.txt",
                "line": 77,
                "severity": "warning",
                "reason": "date '2019-13-01' is not a valid date; year taken from the arXiv id",
                "excerpt": "Submitted 2019-13-01",
            },
        ],
    }


def _merges() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "paper_id": paper_id(1),
                "record_id": "listing.txt:11",
                "source": "seeds/listing.txt",
                "rule": "arxiv_id",
                "similarity": "",
            },
            {
                "paper_id": paper_id(8),
                "record_id": "portal.csv:10",
                "source": "seeds/portal.csv",
                "rule": "fuzzy_title",
                "similarity": 0.97,
            },
        ]
    )


def _manifest() -> dict:
    return {
        "experiment": "robustness-trends",
        "status": "ok",
        "started": "2024-05-01T10:00:00+00:00",
        "finished": "2024-05-01T10:03:12+00:00",
        "seed": 42,
        "config_hash": "3f2a" * 16,
        "config": {
            "experiment": "robustness-trends",
            "seed": 42,
            "sources": [{"path": "seeds/listing.txt"}, {"path": "seeds/portal.csv"}],
            "model": {"kind": "bertopic", "nr_topics": None, "top_n_words": 10},
            "themes": THEMES,
            "assign": {"threshold": 0.5},
        },
        "inputs": [
            {"file": "seeds/listing.txt", "sha256": "ab" * 32, "bytes": 48213},
            {"file": "seeds/portal.csv", "sha256": "cd" * 32, "bytes": 1290},
        ],
        "versions": {"topics": "0.1.0", "bertopic": "0.17.0", "plotly": "7.1.0", "hdbscan": None},
        "machine": {"python": "3.11.7", "platform": "Linux-6.1-x86_64", "cpu_count": 2},
        "timings_s": {"ingest": 0.41, "embed": 12.5, "model": 30.2, "themes": 1.3, "trends": 0.2},
        "stages": {
            "ingest": "ran",
            "embed": "cached",
            "model": "ran",
            "themes": "ran",
            "trends": "ran",
        },
    }


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A fresh run directory (not yet rendered) for tests that modify it."""
    return build_run_dir(tmp_path / "run")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered report shared by the read-only tests (rendering takes ~1 s)."""
    directory = build_run_dir(tmp_path_factory.mktemp("rendered") / "run")
    render_report(directory)
    return directory


# The payloads, exactly: a title that is a script, an abstract with an
# image whose onerror runs and a </script> that would end a JSON block, and a
# theme whose name and description are HTML (with path characters in the name,
# which names its page). Any of them that runs calls alert(), which the browser
# tests record as a dialog.
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_ABSTRACT = (
    "We study <img src=x onerror=alert(1)> robustness. "
    "</script><script>alert(1)</script> Our attack <!-- breaks --> the JSON block."
)
HOSTILE_THEME = "<img src=x onerror=alert(1)> graphs </script><script>alert(1)</script> ../../x"
HOSTILE_DESCRIPTION = (
    'Neural networks on graphs <script>alert(1)</script><a href="javascript:alert(1)">see</a>'
    "</textarea></title><b onmouseover=alert(1)>bold</b>"
)
HOSTILE_PAPERS = {paper_id(27): HOSTILE_TITLE, paper_id(22): "Graphs </script> " + BREAKOUT}


def build_hostile_run_dir(run_dir: Path) -> Path:
    """The fixture run with the issue's payloads in titles, abstracts and a theme.

    Two papers get hostile titles and every paper a hostile abstract (so the
    map's hover text and the search index carry them); the theme "graph neural
    networks" is renamed to :data:`HOSTILE_THEME` with :data:`HOSTILE_DESCRIPTION`
    in every file that names it, as a run with that config would write them.
    """
    build_run_dir(run_dir)
    data = run_dir / "data"
    papers = pd.read_csv(data / "papers.csv", keep_default_na=False, dtype=str)
    for pid, title in HOSTILE_PAPERS.items():
        papers.loc[papers["paper_id"] == pid, "title"] = title
    papers["abstract"] = HOSTILE_ABSTRACT + " " + papers["abstract"]
    papers["themes"] = [
        ";".join(HOSTILE_THEME if t == GNN else t for t in themes.split(";"))
        for themes in papers["themes"]
    ]
    papers.to_csv(data / "papers.csv", index=False)
    for name, column in (
        ("assignments.csv", "theme"),
        ("themes_by_year.csv", "theme"),
        ("trends.csv", "name"),
    ):
        table = pd.read_csv(data / name, keep_default_na=False, dtype=str)
        table[column] = table[column].replace(GNN, HOSTILE_THEME)
        table.to_csv(data / name, index=False)
    for name in ("evaluation.json", "../manifest.json"):
        path = data / name
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                json.dumps(GNN), json.dumps(HOSTILE_THEME, ensure_ascii=False)
            ),
            encoding="utf-8",
        )
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for theme in manifest["config"]["themes"]:
        if theme["name"] == HOSTILE_THEME:
            theme["description"] = HOSTILE_DESCRIPTION
    _write_json(run_dir / "manifest.json", manifest)
    return run_dir


@pytest.fixture(scope="session")
def hostile_rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of :func:`build_hostile_run_dir`, rendered once per session."""
    directory = build_hostile_run_dir(tmp_path_factory.mktemp("hostile") / "run")
    render_report(directory)
    return directory


@pytest.fixture(scope="session")
def hostile() -> dict[str, str]:
    """The payloads of :func:`build_hostile_run_dir`, by what they are."""
    return {
        "title": HOSTILE_TITLE,
        "abstract": HOSTILE_ABSTRACT,
        "theme": HOSTILE_THEME,
        "description": HOSTILE_DESCRIPTION,
    }


@pytest.fixture(scope="session")
def xss_probe() -> str:
    """The hostile title planted in the fixture (theme "adversarial robustness", topic -1)."""
    return XSS_PROBE


@pytest.fixture(scope="session")
def breakout_title() -> str:
    """A title that tries to close a <script> block, with U+2028 in it."""
    return BREAKOUT


@pytest.fixture(scope="session")
def build_run():
    """The fixture builder itself, for tests that need a variant of the run."""
    return build_run_dir
