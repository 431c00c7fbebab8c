"""Rendering a run directory: pages, escaping, one plotly copy, idempotence, atomicity."""

from __future__ import annotations

import hashlib
import json
import os
import re
from html import escape, unescape
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from topics.errors import TopicsError
from topics.report import ReportOptions, _render, load_run, render_report

JSON_BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
ATTR_URL = re.compile(r'(?:href|src)="([^"]*)"')


def pages(run_dir: Path) -> list[Path]:
    return (
        sorted(run_dir.glob("*.html"))
        + sorted(run_dir.glob("themes/*.html"))
        + sorted(run_dir.glob("topics/*.html"))
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def table_rows(html: str, table_id: str) -> int:
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[-1]
    return len(re.findall(r"<tr[ >]", body))


def figures(html: str) -> dict[str, dict]:
    return {i: json.loads(body) for i, body in JSON_BLOCK.findall(html) if i.endswith("-figure")}


def test_render_report_writes_every_page(run_dir: Path) -> None:
    stats = render_report(run_dir)
    assert stats.index == run_dir / "index.html"
    assert sorted(p.name for p in (run_dir / "themes").iterdir()) == [
        "adversarial-robustness.html",
        "continual-learning.html",
        "graph-neural-networks.html",
    ]
    assert sorted(p.name for p in (run_dir / "topics").iterdir()) == [
        "-1.html",
        "0.html",
        "1.html",
        "2.html",
        "3.html",
        "index.html",  # how the topics relate
    ]
    assert (run_dir / "papers" / "search.html").is_file()
    assert (run_dir / "changes.html").is_file()  # "nothing to compare with yet" on a first run
    # index, what changed, 3 themes, 5 topics, the topic overview and the search page
    assert (stats.pages, stats.theme_pages, stats.topic_pages) == (12, 3, 5)
    on_disk = sum(
        f.stat().st_size
        for name in ("assets", "papers", "themes", "topics")
        for f in (run_dir / name).rglob("*")
        if f.is_file()
    )
    top = sum((run_dir / name).stat().st_size for name in ("index.html", "changes.html"))
    assert stats.total_bytes == on_disk + top
    assert not list(run_dir.glob(".report-*")), "the staging directory must be removed"


def test_render_report_escapes_probe_in_html(
    rendered: Path, xss_probe: str, breakout_title: str
) -> None:
    theme_page = (rendered / "themes" / "adversarial-robustness.html").read_text()
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;&lt;img src=x onerror=" in theme_page
    for page in pages(rendered):
        html = page.read_text()
        assert "<script>window.__xss" not in html, page
        assert "<img src=x" not in html, page
        assert "</script><script>window.__xss=3" not in html, page
    outliers = (rendered / "topics" / "-1.html").read_text()
    assert xss_probe in unescape(outliers)
    assert breakout_title in unescape(outliers)


def test_render_report_embedded_json_cannot_break_out(rendered: Path, xss_probe: str) -> None:
    index = (rendered / "index.html").read_text()
    for _, body in JSON_BLOCK.findall(index):
        assert not set(body) & {"<", ">", "&", "\u2028", "\u2029"}
    hover = [
        text
        for fig in figures(index).values()
        for trace in fig["data"]
        for text in trace.get("hovertext") or []
    ]
    # Plotly reads tags in hover text, so the title is HTML-escaped inside the JSON too:
    # the only tags left are the tooltip's own (bold title, line breaks, italic abstract).
    probe = next(t for t in hover if "__xss=1" in t)
    assert set(re.findall(r"<[^>]*>", probe)) == {"<b>", "</b>", "<br>", "<i>", "</i>"}
    shown = unescape(re.sub(r"</?(?:b|i)>", "", probe).replace("<br>", " "))
    assert shown.startswith(xss_probe)
    assert "&lt;/script&gt;" in next(t for t in hover if "__xss=3" in t)


def test_render_report_ships_one_plotly_copy(rendered: Path) -> None:
    copies = [p for p in rendered.rglob("*") if p.name.endswith(".js") and "plotly" in p.name]
    assert copies == [rendered / "assets" / "plotly.min.js"]
    bundled = resources.files("plotly") / "package_data" / "plotly.min.js"
    assert copies[0].read_bytes() == bundled.read_bytes()
    for page in pages(rendered):
        html = page.read_text()
        assert html.count("plotly.min.js") == 1
        assert len(html) < 200_000, f"{page} seems to inline a library"
    assert '<script src="../assets/plotly.min.js"' in (rendered / "topics" / "0.html").read_text()


def test_render_report_loads_nothing_from_the_network(rendered: Path) -> None:
    for page in pages(rendered):
        html = page.read_text()
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            for url in ATTR_URL.findall(tag):
                assert "://" not in url, (page, tag)
                assert not url.startswith("//"), (page, tag)
        assert "@import" not in html
        assert "fonts.googleapis" not in html
    css = (rendered / "assets" / "report.css").read_text()
    assert "url(" not in css
    assert "@import" not in css
    assert "@font-face" not in css


def test_render_report_links_resolve(rendered: Path) -> None:
    ids = {page: set(re.findall(r'\sid="([^"]+)"', page.read_text())) for page in pages(rendered)}
    checked = 0
    for page in pages(rendered):
        for url in ATTR_URL.findall(page.read_text()):
            if url.startswith(("https://arxiv.org/abs/", "https://doi.org/")):
                continue
            assert "://" not in url, (page, url)
            path, _, fragment = unescape(url).partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.exists(), (page, url)
            if fragment:
                assert fragment in ids[target], (page, url)
            checked += 1
    assert checked > 100


def test_render_report_is_idempotent(run_dir: Path) -> None:
    render_report(run_dir)
    first = tree_digest(run_dir)
    render_report(run_dir)
    assert tree_digest(run_dir) == first


def test_render_report_leaves_data_untouched(run_dir: Path) -> None:
    before = tree_digest(run_dir / "data")
    manifest = (run_dir / "manifest.json").read_bytes()
    render_report(run_dir)
    assert tree_digest(run_dir / "data") == before
    assert (run_dir / "manifest.json").read_bytes() == manifest


def test_render_report_replaces_stale_pages(run_dir: Path) -> None:
    (run_dir / "themes").mkdir()
    (run_dir / "themes" / "renamed-theme.html").write_text("old")
    render_report(run_dir)
    assert not (run_dir / "themes" / "renamed-theme.html").exists()


def test_render_report_failure_keeps_previous_report(run_dir: Path) -> None:
    render_report(run_dir)
    before = tree_digest(run_dir)
    (run_dir / "data" / "topics.csv").unlink()
    del before["data/topics.csv"]
    with pytest.raises(TopicsError, match=r"data/topics\.csv"):
        render_report(run_dir)
    assert tree_digest(run_dir) == before
    assert not list(run_dir.glob(".report-*"))


def test_render_report_interrupted_swap_restores_previous_report(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render_report(run_dir)
    (run_dir / "data" / "topics.csv").write_text(
        (run_dir / "data" / "topics.csv").read_text().replace("3_training", "3_optimizers")
    )
    before = tree_digest(run_dir)
    real_replace = os.replace

    def failing_replace(src, dst):  # moving the new topics/ in fails after assets/, themes/
        if Path(dst) == run_dir / "topics" and Path(src).parent.name.startswith(".report-"):
            raise OSError("disk on fire")
        real_replace(src, dst)

    monkeypatch.setattr(_render.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        render_report(run_dir)
    assert tree_digest(run_dir) == before
    assert not list(run_dir.glob(".report-*"))


def test_load_run_lists_every_missing_file(run_dir: Path) -> None:
    (run_dir / "data" / "trends.csv").unlink()
    (run_dir / "data" / "corpus_years.json").unlink()
    with pytest.raises(TopicsError) as info:
        load_run(run_dir)
    assert "data/trends.csv" in str(info.value)
    assert "data/corpus_years.json" in str(info.value)


def test_load_run_rejects_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(TopicsError, match="no such directory"):
        render_report(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_load_run_names_a_missing_column(run_dir: Path) -> None:
    path = run_dir / "data" / "assignments.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("evidence", "proof"), *lines[1:]]) + "\n")
    with pytest.raises(TopicsError, match=r"assignments\.csv lacks the column\(s\) evidence"):
        load_run(run_dir)


def test_load_run_keeps_text_that_looks_missing(run_dir: Path) -> None:
    papers = run_dir / "data" / "papers.csv"
    papers.write_text(papers.read_text().replace("Graph Attention Networks", "NA"))
    run = load_run(run_dir)
    assert "NA" in set(run.papers["title"])
    assert run.papers["year"].isna().sum() == 1


def test_render_report_theme_page_shows_papers_evidence_and_sources(rendered: Path) -> None:
    html = (rendered / "themes" / "adversarial-robustness.html").read_text()
    assert '<a href="https://arxiv.org/abs/1706.06083">Towards Deep Learning Models' in html
    assert '<a href="https://doi.org/10.1000/robust.2021">A survey of benchmark' in html
    assert "<mark>adversarial training</mark>" in html
    assert re.search(r"description 0\.\d\d · phrases 0\.\d\d · topic fit 0\.60", html)
    assert re.search(r"nearest “adversarial \w+” 0\.\d\d", html)
    assert '<a href="../topics/0.html">0: adversarial attacks robustness</a>' in html
    assert "Seed phrases matched most often" in html
    assert "generative adversarial network" in html
    assert table_rows(html, "papers") == 11
    assert table_rows(html, "near-misses") == 19  # every other paper, best first


def test_render_report_index_shows_data_quality_and_run(rendered: Path) -> None:
    html = (rendered / "index.html").read_text()
    assert "the newest data is from 2020-06-30" in html
    assert "2020 (incomplete year" not in html  # the note comes from corpus_years only
    assert "2013 (1 paper)" in html
    assert "seeds/listing.txt:41" in html
    assert "&lt;b&gt;Abstract:&lt;/b&gt;" in html
    assert "fuzzy_title" in html
    assert "0.970" in html
    assert "A survey of benchmark datasets for robust machine learning" in html
    assert "not installed" in html
    assert "description: Attacks on and defences" in html
    assert '<a href="data/evaluation.json">' in html
    assert '<a href="model/">' in html
    assert 'class="status status-emerging"' in html


def test_render_report_without_optional_files(tmp_path: Path, build_run) -> None:
    run_dir = build_run(tmp_path / "run", evaluation=False, model=False)
    render_report(run_dir)
    html = (run_dir / "index.html").read_text()
    assert "evaluation.json" not in html
    assert 'href="model/"' not in html


def test_render_report_samples_a_large_map(run_dir: Path) -> None:
    render_report(run_dir, options=ReportOptions(map_max_points=10, webgl_threshold=5))
    html = (run_dir / "index.html").read_text()
    assert "Showing 10 of 30 papers (a random sample)" in html
    map_fig = next(f for f in figures(html).values() if f["data"][0].get("mode") == "markers")
    traces = [t for t in map_fig["data"] if t.get("hovertext")]
    assert sum(len(t["hovertext"]) for t in traces) == 10
    assert {t["type"] for t in traces} == {"scattergl"}


def test_render_report_without_themes_merges_or_map(run_dir: Path) -> None:
    data = run_dir / "data"
    for name in ("assignments.csv", "themes_by_year.csv", "merges.csv", "map_2d.csv"):
        header = (data / name).read_text().splitlines()[0]
        (data / name).write_text(header + "\n")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["config"]["themes"] = []
    manifest["status"] = "failed"
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    stats = render_report(run_dir)
    assert stats.theme_pages == 0
    html = (run_dir / "index.html").read_text()
    assert "This run finished with status <strong>failed</strong>" in html
    assert "No themes are configured for this run." in html
    assert "This run saved no 2-D coordinates" in html
    assert "data/merges.csv lists no merge." in html


def test_render_report_counts_unassigned_papers_as_in_no_theme(rendered: Path) -> None:
    """The pipeline writes the literal 'unassigned'; it is not a theme."""
    papers = pd.read_csv(rendered / "data" / "papers.csv", keep_default_na=False)
    n_none = int((papers["themes"] == "unassigned").sum())
    assert n_none > 0
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert f"{n_none} papers in none" in index
    assert not (rendered / "themes" / "unassigned.html").exists()


def test_render_report_paper_rows_show_authors_abstract_and_fit(run_dir: Path) -> None:
    """Paper rows carry authors and a folded abstract (escaped); topic pages show the fit."""
    papers = pd.read_csv(run_dir / "data" / "papers.csv", dtype=str, keep_default_na=False)
    hostile = "Abstract with </script><b>bold</b> & <i>markup</i> " + "long text " * 100
    papers.loc[papers["topic"] == "1", "abstract"] = hostile
    papers["topic_confidence"] = [f"{0.2 + 0.02 * i:.3f}" for i in range(len(papers))]
    papers.to_csv(run_dir / "data" / "papers.csv", index=False)
    render_report(run_dir, options=ReportOptions(abstract_chars=200))
    html = (run_dir / "topics" / "1.html").read_text(encoding="utf-8")
    assert '<div class="byline">A. Author, B. Author</div>' in html
    assert "</script><b>" not in html
    shown = re.findall(
        r'<details class="abstract"><summary>Abstract</summary>(.*?)</details>', html
    )
    assert len(shown) == table_rows(html, "papers") == 9
    assert all(unescape(s).startswith("Abstract with </script><b>bold</b> &") for s in shown)
    assert all(len(unescape(s)) <= 200 and s.endswith("…") for s in shown)
    assert '<th class="num" data-sort="num" aria-sort="descending"' in html
    fits = re.findall(r'<td class="num" data-value="([0-9.]+)">', html)
    assert fits == sorted(fits, reverse=True)
    assert len(fits) == 9
    # The corpus's 10% least central papers (3 of 30 here: 0.20, 0.22, 0.24) are marked loose.
    assert html.count('<tr class="loose">') == sum(float(f) < 0.256 for f in fits)
    theme = (run_dir / "themes" / "continual-learning.html").read_text(encoding="utf-8")
    table = theme.split('id="papers"', 1)[1].split("</table>", 1)[0]
    assert table.count('<details class="abstract">') == table_rows(theme, "papers") == 9


def test_render_report_undated_papers_are_folded(rendered: Path) -> None:
    html = (rendered / "index.html").read_text(encoding="utf-8")
    section = html.split("<h3>Undated papers", 1)[1].split("</section>", 1)[0]
    assert section.index("<details") < section.index('id="undated"')


def test_render_report_search_index_holds_every_paper_and_cannot_break_out(
    rendered: Path, breakout_title: str
) -> None:
    html = (rendered / "papers" / "search.html").read_text(encoding="utf-8")
    body = html.split('<script type="application/json" id="search-index">', 1)[1]
    body = body.split("</script>", 1)[0]
    assert not set(body) & {"<", ">", "&", "\u2028", "\u2029"}
    index = json.loads(body)
    assert len(index["papers"]) == 30
    assert index["themes"] == [
        "adversarial robustness",
        "continual learning",
        "graph neural networks",
    ]
    titles = [row[0] for row in index["papers"]]
    assert breakout_title in titles  # whole, as data
    row = next(r for r in index["papers"] if r[0].startswith("Graph Attention"))
    assert row[1:5] == ["A. Author, B. Author", 2017, 2, [2]]
    assert row[6] == "https://arxiv.org/abs/1710.10903"


def test_render_report_structure_page_without_similarity_says_why(run_dir: Path) -> None:
    (run_dir / "data" / "topic_similarity.csv").unlink()
    render_report(run_dir)
    html = (run_dir / "topics" / "index.html").read_text(encoding="utf-8")
    assert "This run saved no data/topic_similarity.csv" in html
    assert html.count("data-chart") == 4  # the term bars still draw, from topics.csv


def test_render_report_theme_named_with_html_and_path_characters_stays_in_themes(
    hostile_rendered: Path, hostile: dict[str, str]
) -> None:
    """Its page is a slug under themes/, linked from the overview; nothing lands elsewhere."""
    pages = sorted(p.relative_to(hostile_rendered).as_posix() for p in hostile_rendered.rglob("*"))
    assert all(not name.startswith("..") for name in pages)
    assert [p.name for p in hostile_rendered.parent.iterdir()] == ["run"]
    themes = sorted((hostile_rendered / "themes").iterdir())
    assert len(themes) == 3
    assert all(re.fullmatch(r"[a-z0-9-]+\.html", p.name) for p in themes)
    slug = "img-src-x-onerror-alert-1-graphs-script-script-alert-1-script-x"
    assert (hostile_rendered / "themes" / f"{slug}.html").is_file()
    index = (hostile_rendered / "index.html").read_text(encoding="utf-8")
    assert f'href="themes/{slug}.html"' in index
    assert escape(hostile["theme"], quote=False) in index
    assert hostile["theme"] not in index


def test_render_report_data_quality_reads_as_written_english(run_dir: Path) -> None:
    """Issue 15, seeds: "2026 (incomplete year (data up to …))", "FILE:None", "1 errors"."""
    import json

    years = json.loads((run_dir / "data" / "corpus_years.json").read_text())
    years["incomplete_note"] = "incomplete year (data up to 2020-06-30)"
    (run_dir / "data" / "corpus_years.json").write_text(json.dumps(years), encoding="utf-8")
    ingest = json.loads((run_dir / "data" / "ingest_report.json").read_text())
    ingest["issues"] = [
        {"file": "seeds/listing.txt", "line": None, "severity": "info",
         "reason": "reference date 2020-06-10 (newest dated entry in file)", "excerpt": ""},
        {"file": "seeds/listing.txt", "line": 41, "severity": "error",
         "reason": "no title line before the abstract", "excerpt": ""},
    ]  # fmt: skip
    (run_dir / "data" / "ingest_report.json").write_text(json.dumps(ingest), encoding="utf-8")
    render_report(run_dir)
    html = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "2020 (data up to 2020-06-30): its share is shown" in html
    assert "incomplete year (incomplete year" not in html
    assert ":None" not in html
    assert '<td class="path">seeds/listing.txt</td>' in html
    assert "seeds/listing.txt:41" in html
    assert "2: 1 error, 0 warnings" in html
