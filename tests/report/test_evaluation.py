"""The Evaluation section, the coherence on topic pages, and capped paper tables."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import fields
from pathlib import Path

import pandas as pd

from topics.report import ReportOptions, render_report
from topics.report._evaluation import evaluation_view


def section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}">', 1)[1].split("</section>", 1)[0]


def test_render_report_evaluation_section_shows_every_measure(rendered: Path) -> None:
    html = (rendered / "index.html").read_text()
    evaluation = section(html, "evaluation")
    assert "<dd>0.19</dd>" in evaluation  # mean NPMI
    assert "<dd>0.89</dd>" in evaluation  # diversity
    assert "36.7% before reduction" in evaluation
    assert '<a href="topics/0.html">adversarial attacks robustness</a>' in evaluation
    assert '<td class="num" data-value="0.4213">0.421</td>' in evaluation
    assert "adversarial, attacks" in evaluation  # the words scored
    assert "seeds 42, 43, 44 (4, 4, 5 topics)" in evaluation
    assert '<td>43 vs 44</td><td class="num">0.651</td>' in evaluation
    assert "topic words (c-TF-IDF)" in evaluation
    assert "76.7%" in evaluation
    assert '<a href="themes/continual-learning.html">continual learning</a>' in evaluation
    assert "micro average" in evaluation
    assert '<td class="num">7</td><td>no paper of this run has this title</td>' in evaluation
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in evaluation
    assert "<script>window.__xss" not in html
    assert '<a href="index.html#evaluation">Evaluation</a>' in html


def test_render_report_topic_page_shows_its_coherence(rendered: Path) -> None:
    assert "<dt>Coherence</dt><dd>0.42</dd>" in (rendered / "topics" / "0.html").read_text()
    assert "<dt>Coherence</dt><dd>–</dd>" in (rendered / "topics" / "3.html").read_text()
    assert "<dt>Coherence</dt>" not in (rendered / "topics" / "-1.html").read_text()


def test_render_report_evaluation_of_another_shape_is_only_linked(run_dir: Path) -> None:
    legacy = {"coherence_c_v": 0.512, "diversity": 0.83}
    (run_dir / "data" / "evaluation.json").write_text(json.dumps(legacy), encoding="utf-8")
    render_report(run_dir)
    html = (run_dir / "index.html").read_text()
    assert '<section id="evaluation">' not in html
    assert "index.html#evaluation" not in html
    assert '<a href="data/evaluation.json">' in html  # verbatim, under run details
    assert "coherence_c_v" in html


def test_render_report_without_evaluation_has_no_section(tmp_path: Path, build_run) -> None:
    run_dir = build_run(tmp_path / "run", evaluation=False)
    render_report(run_dir)
    html = (run_dir / "index.html").read_text()
    assert '<section id="evaluation">' not in html
    assert "<dt>Coherence</dt>" not in (run_dir / "topics" / "0.html").read_text()


def test_evaluation_view_tolerates_missing_and_null_parts() -> None:
    view = evaluation_view(
        {"format": "topics.evaluation", "coherence": {"mean": None}, "themes": None}, {}, {}, 10
    )
    assert view is not None
    assert view.coherence_mean is None
    assert view.topics == ()
    assert view.stability is None
    assert view.themes is None
    assert evaluation_view(None, {}, {}, 10) is None


def test_render_report_caps_theme_papers_and_writes_the_full_list(run_dir: Path) -> None:
    render_report(run_dir, options=ReportOptions(max_papers=3))
    html = (run_dir / "themes" / "adversarial-robustness.html").read_text()
    body = html.split('id="papers"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr[ >]", body.split("<tbody>", 1)[-1])) == 3
    assert "Showing the 3 best-scoring of 11 papers" in html
    assert 'href="adversarial-robustness.csv" download' in html
    with (run_dir / "themes" / "adversarial-robustness.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    shown = [t for t in (r["title"] for r in rows[:3]) if "<" not in t]
    assert all(title in html for title in shown)
    # Pages within the cap write no CSV, and the previous render's CSVs go with it.
    render_report(run_dir)
    assert list(run_dir.glob("themes/*.csv")) == []
    assert list(run_dir.glob("topics/*.csv")) == []
    assert "best-scoring of" not in (run_dir / "themes" / "adversarial-robustness.html").read_text()


def test_render_report_caps_topic_papers_most_central_first(run_dir: Path) -> None:
    papers_csv = run_dir / "data" / "papers.csv"
    papers = pd.read_csv(papers_csv, dtype=str, keep_default_na=False)
    members = papers.index[papers["topic"] == "0"]
    papers["topic_confidence"] = ""
    papers.loc[members, "topic_confidence"] = [f"{0.5 + i / 100:.2f}" for i in range(len(members))]
    papers.to_csv(papers_csv, index=False)
    render_report(run_dir, options=ReportOptions(max_papers=2))
    html = (run_dir / "topics" / "0.html").read_text()
    assert "Most central to the topic first." in html
    assert f"Showing 2 of {len(members)} papers (the most central)" in html
    expected = papers.loc[members[::-1][:2], "title"].tolist()
    body = html.split('id="papers"', 1)[1].split("</table>", 1)[0]
    assert body.index(expected[0]) < body.index(expected[1])
    with (run_dir / "topics" / "0.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == len(members)


def test_report_options_from_config_ignores_unknown_keys(run_dir: Path) -> None:
    options = ReportOptions.from_config({"max_papers": 7, "future_key": 1})
    assert options.max_papers == 7
    assert ReportOptions.from_config(None) == ReportOptions()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["config"]["report"] = {"max_papers": 5, "near_misses": 2}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert ReportOptions.from_run(run_dir) == ReportOptions(max_papers=5, near_misses=2)
    assert {f.name for f in fields(ReportOptions)} >= {"max_papers", "max_rows"}
