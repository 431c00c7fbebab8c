"""What changed between two runs: the data (topics.changes), the page and `topics compare`.

The seeds case is the README's recipe: a run on three of the five seed pages
(the shared ``update_base``), then the other two pages, a duplicate of an old
paper and a new paper with a hostile title are added and `topics update`
runs. Small hand-made runs check the topic mapping and the moved papers
exactly.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from tests.conftest import HOSTILE_TITLE, UPDATE_FAST
from topics.changes import compute_changes, match_papers, match_topics, read_run
from topics.cli import main
from topics.config.loader import load_config
from topics.pipeline import run, update


def config(repo: Path, root: Path, *extra: str, new_papers: bool = True):
    """The update_base experiment in ``root``; with the later papers unless ``new_papers=False``."""
    sources = f"[{{path: '{root}/src/*.txt'}}"
    if new_papers:
        sources += (
            f", {{path: '{root}/later/*.txt'}}, {{path: '{root}/later/duplicate.csv', "
            f"format: csv}}, {{path: '{root}/later/hostile.csv', format: csv}}"
        )
    overrides = [f"output_dir={root / 'out'}", f"sources={sources}]", *UPDATE_FAST, *extra]
    return load_config(repo / "configs" / "default.yaml", overrides)


def papers_of(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "data" / "papers.parquet")


def changes_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "data" / "changes.json").read_text(encoding="utf-8"))


def theme_set(value: str) -> frozenset[str]:
    return frozenset(t for t in value.split(";") if t and t != "unassigned")


@pytest.fixture(scope="module")
def updated(repo: Path, update_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base run updated with the other two pages, the duplicate and the hostile paper."""
    root = tmp_path_factory.mktemp("changes") / "case"
    shutil.copytree(update_base, root)
    update(config(repo, root))
    return root


# -- the data of an update ---------------------------------------------------


def test_changes_new_papers_add_up_per_theme_and_topic(updated: Path) -> None:
    old = papers_of(updated / "out" / "default.previous")
    new = papers_of(updated / "out" / "default")
    added = new.loc[~new["paper_id"].isin(old["paper_id"])]
    changes = changes_of(updated / "out" / "default")
    totals = changes["totals"]
    assert totals["added"] == len(added) > 0
    assert (totals["papers_before"], totals["papers_after"]) == (len(old), len(new))
    assert totals["gone"] == 0
    assert sum(t["added"] for t in changes["topics"]) == totals["added"]
    by_topic = added["topic"].value_counts()
    assert {t["topic"]: t["added"] for t in changes["topics"]} == {
        t["topic"]: int(by_topic.get(t["topic"], 0)) for t in changes["topics"]
    }
    memberships = [name for value in added["themes"] for name in theme_set(value)]
    assert {t["name"]: t["added"] for t in changes["themes"] if t["added"]} == dict(
        pd.Series(memberships).value_counts()
    )
    assert totals["added_unassigned"] == sum(not theme_set(v) for v in added["themes"])
    assert sum(t["added"] for t in changes["themes"]) + totals["added_unassigned"] >= len(added)
    for row in changes["themes"]:
        assert row["papers_after"] - row["papers_before"] == row["added"] - row["gone"]
    listed = {p["paper_id"] for p in changes["added"]}
    assert listed == set(added["paper_id"])
    csv = pd.read_csv(updated / "out" / "default" / "data" / "changes_papers.csv", dtype=str)
    assert set(csv.loc[csv["change"] == "added", "paper_id"]) == listed


def test_changes_statuses_match_the_two_trends_files(updated: Path) -> None:
    before = pd.read_csv(updated / "out" / "default.previous" / "data" / "trends.csv", dtype=str)
    after = pd.read_csv(updated / "out" / "default" / "data" / "trends.csv", dtype=str)
    changes = changes_of(updated / "out" / "default")
    was = before.set_index(["kind", "name"])["status"]
    now = after.set_index(["kind", "name"])["status"]
    status = {key: (was.get(key), now.get(key)) for key in now.index}
    assert changes["topic_mapping"]["how"] == "same model"  # an update keeps its topics
    rows = [("theme", r["name"], r) for r in changes["themes"]]
    rows += [("topic", str(r["topic"]), r) for r in changes["topics"]]
    for kind, name, row in rows:
        if (kind, name) in status:
            assert (row["status_before"], row["status_after"]) == status[(kind, name)], name
    changed = {(c["kind"], c["name"]) for c in changes["status_changes"]}
    expected = {key for key, (a, b) in status.items() if a and b and a != b}
    assert changed == expected
    assert changed  # the seeds' new pages are dated: several trends change status
    slopes = after.set_index(["kind", "name"])["slope"]
    for c in changes["status_changes"]:
        assert c["slope_after"] == pytest.approx(float(slopes[(c["kind"], c["name"])]))


def test_changes_update_without_refit_moves_no_paper_and_keeps_drift(updated: Path) -> None:
    changes = changes_of(updated / "out" / "default")
    assert changes["kind"] == "update"
    assert changes["totals"]["moved"] == 0
    assert changes["moved"] == []
    drift = json.loads((updated / "out" / "default" / "data" / "drift.json").read_text())
    assert changes["drift"] == drift
    bursts = pd.read_csv(updated / "out" / "default" / "data" / "trends.csv", dtype=str)
    bursts = bursts.set_index(["kind", "name"])["bursts"].fillna("")
    for burst in changes["new_bursts"]:
        assert burst["years"] in bursts[(burst["kind"], burst["name"])].split(";")


def test_changes_page_links_the_previous_report_and_escapes_a_hostile_title(
    updated: Path,
) -> None:
    run_dir = updated / "out" / "default"
    page = (run_dir / "changes.html").read_text(encoding="utf-8")
    assert 'href="../default.previous/index.html"' in page
    assert (updated / "out" / "default.previous" / "index.html").is_file()
    assert str(escape(HOSTILE_TITLE)) in page  # shown as text, in the list of new papers
    assert "<script>window.__xss" not in page
    assert "<img src=x" not in page
    assert 'href="https://arxiv.org/abs/2501.01234"' in page
    for href in re.findall(r'href="([^"#]+)"', page):
        if not href.startswith("https://"):
            assert (run_dir / href).exists(), href
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="changes.html">What changed</a>' in index


def test_changes_page_of_a_first_run_says_there_is_nothing_to_compare(update_base: Path) -> None:
    run_dir = update_base / "out" / "default"
    assert not (run_dir / "data" / "changes.json").exists()
    assert "Nothing to compare with yet" in (run_dir / "changes.html").read_text(encoding="utf-8")


def test_run_that_replaces_a_run_compares_with_it(
    repo: Path, update_base: Path, tmp_path: Path
) -> None:
    root = tmp_path / "case"
    shutil.copytree(update_base, root)
    result = run(config(repo, root, new_papers=False))
    assert (result.stages["fit"], result.stages["assign"]) == ("cached", "cached")
    run_dir = root / "out" / "default"
    changes = changes_of(run_dir)
    assert changes["kind"] == "run"
    assert changes["topic_mapping"]["how"] == "same model"  # the fit came from the cache
    assert changes["totals"]["added"] == changes["totals"]["moved"] == 0
    assert changes["totals"]["status_changes"] == 0
    previous = json.loads((root / "out" / "default.previous" / "manifest.json").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["changes"]["against"]["run_id"] == previous["run_id"]
    page = (run_dir / "changes.html").read_text(encoding="utf-8")
    assert 'href="../default.previous/index.html"' in page
    # Rerun in place: the report comes from the cache, its changes page is rendered anew.
    again = run(config(repo, root, new_papers=False))
    assert again.stages["report"] == "cached"
    page = (run_dir / "changes.html").read_text(encoding="utf-8")
    assert 'href="../default.previous/index.html"' in page
    assert "Nothing to compare with yet" not in page


def test_cli_report_re_renders_the_changes_page(updated: Path, tmp_path: Path) -> None:
    root = tmp_path / "case"
    shutil.copytree(updated, root)
    run_dir = root / "out" / "default"
    before = (run_dir / "changes.html").read_bytes()
    (run_dir / "changes.html").unlink()
    assert main(["report", str(run_dir), "-q"]) == 0
    assert (run_dir / "changes.html").read_bytes() == before


def test_changes_page_of_the_replaced_run_no_longer_links_to_itself(
    repo: Path, updated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "case"
    shutil.copytree(updated, root)
    update(config(repo, root))  # nothing new: the update of `updated` moves to .previous
    kept = root / "out" / "default.previous"
    assert (kept / "data" / "changes.json").is_file()
    page = (kept / "changes.html").read_text(encoding="utf-8")
    assert "../default.previous/index.html" not in page
    assert "is no longer kept" in page
    current = (root / "out" / "default" / "changes.html").read_text(encoding="utf-8")
    assert 'href="../default.previous/index.html"' in current
    assert changes_of(root / "out" / "default")["totals"]["added"] == 0


# -- the comparison, on hand-made runs ------------------------------------------------


def write_run(
    run_dir: Path,
    papers: list[tuple[str, int, str]],
    *,
    labels: dict[int, str],
    trends: list[tuple[str, str, str, float, str]],
    fit_key: str,
) -> Path:
    """A run directory with the files the comparison reads: (paper id, topic, themes) rows."""
    data = run_dir / "data"
    data.mkdir(parents=True)
    frame = pd.DataFrame(
        {
            "paper_id": [p for p, _, _ in papers],
            "title": [f"Paper {p}" for p, _, _ in papers],
            "year": pd.array([2019] * len(papers), dtype="Int64"),
            "topic": [t for _, t, _ in papers],
            "topic_label": [labels.get(t, "outliers") for _, t, _ in papers],
            "themes": [th for _, _, th in papers],
            "record_ids": [f"a.csv:{p[1:]}" for p, _, _ in papers],
            "arxiv_id": [None] * len(papers),
            "doi": [None] * len(papers),
        }
    )
    frame.to_parquet(data / "papers.parquet", index=False)
    sizes = frame["topic"].value_counts()
    table = {"topic": list(labels), "label": list(labels.values())}
    table["size"] = [sizes.get(t, 0) for t in labels]
    pd.DataFrame(table).to_csv(data / "topics.csv", index=False)
    pd.DataFrame(trends, columns=["kind", "name", "status", "slope", "bursts"]).to_csv(
        data / "trends.csv", index=False
    )
    manifest = {
        "experiment": "e",
        "run_id": run_dir.name,
        "started": "2024-01-01T00:00:00+00:00",
        "config_hash": "h",
        "config": {"themes": [{"name": "a"}, {"name": "b"}]},
        "cache": {"fit": {"key": fit_key}},
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return run_dir


def test_compute_changes_judges_moved_papers_through_the_topic_mapping(tmp_path: Path) -> None:
    # Old topics 0 and 1 come back as 1 and 0 (the refit renumbered them); p3 left
    # its topic for the one that continues old topic 0, p2 changed themes, p6 is gone
    # and p7 is new.
    old = write_run(
        tmp_path / "old",
        [("p1", 0, "a"), ("p2", 0, "a"), ("p3", 1, "b"), ("p4", 1, "b"), ("p5", 2, "unassigned"),
         ("p6", 2, "a")],
        labels={0: "graphs", 1: "vision", 2: "speech"},
        trends=[("theme", "a", "stable", 0.01, ""), ("theme", "b", "stable", 0.0, ""),
                ("topic", "0", "stable", 0.0, ""), ("topic", "1", "growing", 0.02, "2018-2019")],
        fit_key="one",
    )  # fmt: skip
    new = write_run(
        tmp_path / "new",
        [("p1", 1, "a"), ("p2", 1, "a;b"), ("p3", 1, "b"), ("p4", 0, "b"), ("p5", 2, "unassigned"),
         ("p7", 0, "b")],
        labels={0: "vision", 1: "graphs", 2: "speech"},
        trends=[("theme", "a", "emerging", 0.03, "2019-2019"), ("theme", "b", "stable", 0.0, ""),
                ("topic", "1", "stable", 0.0, ""), ("topic", "0", "growing", 0.03, "2017-2019")],
        fit_key="two",
    )  # fmt: skip
    record, papers = compute_changes(
        read_run(old), read_run(new), kind="compare", old_link="../old", min_overlap=0.5
    )
    pairs = {p["old_topic"]: p for p in record["topic_mapping"]["pairs"]}
    assert record["topic_mapping"]["how"] == "shared papers"
    assert {t: (p["new_topic"], p["matched"]) for t, p in pairs.items()} == {
        0: (1, True),  # p1, p2 of {p1, p2, p3}: 2/3
        1: (0, True),  # p4 of {p3, p4}: 1/2
        2: (2, True),  # p5, the only one of its papers both runs have
    }
    assert pairs[0]["overlap"] == pytest.approx(2 / 3, abs=1e-4)
    moved = {p["paper_id"]: (p["topic_moved"], p["themes_moved"]) for p in record["moved"]}
    assert moved == {"p2": (False, True), "p3": (True, False)}
    totals = record["totals"]
    assert (totals["added"], totals["gone"], totals["moved"]) == (1, 1, 2)
    assert (totals["moved_topic"], totals["moved_themes"]) == (1, 1)
    topics = {t["topic"]: t for t in record["topics"]}
    assert (topics[0]["old_topic"], topics[0]["added"], topics[0]["papers_before"]) == (1, 1, 2)
    assert topics[2]["gone"] == 1  # p6 left speech
    assert topics[1]["status_before"] == "stable"
    assert topics[1]["status_after"] == "stable"
    assert topics[0]["status_before"] == "growing"
    assert topics[0]["status_after"] == "growing"
    themes = {t["name"]: t for t in record["themes"]}
    assert (themes["a"]["added"], themes["a"]["gone"]) == (0, 1)
    assert (themes["b"]["added"], themes["b"]["papers_after"]) == (1, 4)
    changed = [(s["name"], s["status_before"], s["status_after"]) for s in record["status_changes"]]
    assert changed == [("a", "stable", "emerging")]
    bursts = {(b["kind"], b["name"], b["years"], b["was"]) for b in record["new_bursts"]}
    assert bursts == {("theme", "a", "2019-2019", None), ("topic", "0", "2017-2019", "2018-2019")}
    assert papers["change"].tolist() == ["added", "moved", "moved", "gone"]
    assert record["kind"] == "compare"


def test_compute_changes_of_the_same_fit_keeps_topic_ids(tmp_path: Path) -> None:
    rows = [("p1", 0, "a"), ("p2", 1, "b")]
    labels = {0: "x", 1: "y"}
    old = write_run(tmp_path / "old", rows, labels=labels, trends=[], fit_key="same")
    new = write_run(
        tmp_path / "new", [("p1", 1, "a"), ("p2", 1, "b")], labels=labels, trends=[], fit_key="same"
    )
    record, _ = compute_changes(read_run(old), read_run(new), kind="run", old_link="../old")
    assert record["topic_mapping"]["how"] == "same model"
    assert [p["paper_id"] for p in record["moved"]] == ["p1"]  # 0 is still 0: p1 moved


def test_match_topics_leaves_weak_pairs_unmatched() -> None:
    old = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
    new = np.array([5, 5, 5, 5, 6, 7, 8, 9, 5])
    table = match_topics(old, new, min_overlap=0.5).set_index("old_topic")
    assert table.loc[0, "new_topic"] == 5
    assert table.loc[0, "matched"]
    assert table.loc[0, "overlap"] == pytest.approx(4 / 5)
    assert not table.loc[1, "matched"]  # 1 of 4 papers: no new topic continues it
    assert table.loc[1, "overlap"] == pytest.approx(1 / 4)


def test_match_papers_by_records_then_by_ids() -> None:
    old = pd.DataFrame(
        {
            "paper_id": ["a", "b", "c"],
            "record_ids": ["x.csv:2", "x.csv:3", "x.csv:4"],
            "arxiv_id": [None, "1901.00001", None],
            "doi": [None, None, "10.1/c"],
        }
    )
    new = pd.DataFrame(
        {
            "paper_id": ["b2", "z", "a", "c2"],
            "record_ids": ["moved.csv:9", "y.csv:1", "x.csv:2;y.csv:7", "y.csv:3"],
            "arxiv_id": ["1901.00001", None, None, None],
            "doi": [None, None, None, "10.1/c"],
        }
    )
    assert match_papers(new, old).tolist() == [1, -1, 0, 2]


# -- topics compare ---------------------------------------------------------------


def test_cli_compare_writes_the_page_and_the_data_of_two_runs(
    updated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "case"
    shutil.copytree(updated, root)
    a, b = root / "out" / "default.previous", root / "out" / "default"
    assert main(["compare", str(a), str(b)]) == 0
    out = root / "out" / "default--vs--default.previous"
    assert f"compare: {out / 'index.html'}" in capsys.readouterr().out
    record = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert record["kind"] == "update"  # B's manifest says it updated A
    assert record["totals"] == changes_of(b)["totals"]
    assert (record["old"]["run"], record["new"]["run"]) == ("../default.previous", "../default")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="../default.previous/index.html"' in page
    assert 'href="../default/index.html"' in page
    assert str(escape(HOSTILE_TITLE)) in page
    assert "<script>window.__xss" not in page
    assert (out / "assets" / "report.css").is_file()
    assert (out / "assets" / "plotly.min.js").is_file()
    for href in re.findall(r'(?:href|src)="([^"#]+)"', page):
        if not href.startswith("https://"):
            assert (out / href).exists(), href
    assert main(["compare", str(a), str(b), "-q"]) == 0  # its own folder: replaced


def test_cli_compare_refuses_a_folder_that_is_not_a_run(
    updated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes").mkdir()
    b = updated / "out" / "default"
    assert main(["compare", str(tmp_path / "notes"), str(b), "--out", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'notes'} is not a finished run" in err
    assert "manifest.json" in err
    assert main(["compare", str(b), str(tmp_path / "missing"), "--out", str(tmp_path / "c")]) == 1
    assert f"{tmp_path / 'missing'}: no such directory" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_cli_compare_never_overwrites_a_folder_it_did_not_write(
    updated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("<p>my own page</p>", encoding="utf-8")
    a, b = updated / "out" / "default.previous", updated / "out" / "default"
    assert main(["compare", str(a), str(b), "--out", str(mine)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (mine / "index.html").read_text(encoding="utf-8") == "<p>my own page</p>"
    assert main(["compare", str(a), str(b), "--out", str(b)]) == 2
    assert "would replace the run" in capsys.readouterr().err


def test_cli_compare_set_applies_report_keys_to_its_page_and_refuses_others(
    updated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = updated / "out" / "default.previous", updated / "out" / "default"
    out = tmp_path / "c"
    argv = ["compare", str(a), str(b), "--out", str(out)]
    assert main([*argv, "--set", "model.nr_topics=3"]) == 2
    assert "topics compare can change only report." in capsys.readouterr().err
    assert not out.exists()
    assert main([*argv, "--set", "report.max_rows=1"]) == 0
    added = changes_of(b)["totals"]["added"]
    assert added > 1
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "The first 1 are listed" in page
    assert 'href="changes_papers.csv"' in page or "changes_papers.csv" in page


# -- update --refit ----------------------------------------------------------------


@pytest.fixture(scope="module")
def refit_same(repo: Path, update_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base run refitted on the same papers."""
    root = tmp_path_factory.mktemp("refit-same") / "case"
    shutil.copytree(update_base, root)
    update(config(repo, root, new_papers=False), refit=True)
    return root


@pytest.fixture(scope="module")
def refit_new(repo: Path, update_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base run refitted on its papers and the new ones."""
    root = tmp_path_factory.mktemp("refit-new") / "case"
    shutil.copytree(update_base, root)
    update(config(repo, root), refit=True)
    return root


def topics_of(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "data" / "topics.csv").set_index("topic")


def test_refit_with_the_same_papers_maps_every_topic_to_itself(refit_same: Path) -> None:
    run_dir = refit_same / "out" / "default"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    pairs = manifest["update"]["topic_mapping"]
    assert manifest["update"]["refit"] is True
    assert manifest["update"]["new_papers"] == 0
    assert len(pairs) == 6
    assert all(p["old_topic"] == p["new_topic"] and p["matched"] for p in pairs)
    assert all(p["overlap"] == 1.0 and p["similarity"] == pytest.approx(1.0) for p in pairs)
    before = topics_of(refit_same / "out" / "default.previous")
    assert topics_of(run_dir)["label"].to_dict() == before["label"].to_dict()
    changes = changes_of(run_dir)
    assert (changes["kind"], changes["topic_mapping"]["how"]) == ("refit", "refit")
    assert changes["totals"]["moved_topic"] == 0
    assert changes["totals"]["topics_continued"] == 6


def test_refit_with_new_papers_keeps_the_labels_of_the_topics_that_continue(
    refit_new: Path,
) -> None:
    run_dir = refit_new / "out" / "default"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["fit"] == "ran"
    pairs = manifest["update"]["topic_mapping"]
    matched = [p for p in pairs if p["matched"]]
    assert len(matched) >= len(pairs) // 2 + 1  # most old topics continue
    assert all(p["overlap"] >= manifest["update"]["min_overlap"] for p in matched)
    assert len({p["new_topic"] for p in matched}) == len(matched)  # one to one
    before = topics_of(refit_new / "out" / "default.previous")
    after = topics_of(run_dir)
    for p in matched:
        assert after.loc[p["new_topic"], "label"] == before.loc[p["old_topic"], "label"]
        assert p["new_label"] == before.loc[p["old_topic"], "label"]
    # Moved papers are judged through the mapping: recomputed from the saved papers.
    old = papers_of(refit_new / "out" / "default.previous").set_index("paper_id")
    new = papers_of(run_dir).set_index("paper_id")
    forward = {p["old_topic"]: p["new_topic"] if p["matched"] else -2 for p in pairs}
    forward[-1] = -1
    both = new.index.intersection(old.index)
    expected = {
        pid
        for pid in both
        if forward[int(old.at[pid, "topic"])] != int(new.at[pid, "topic"])
        or theme_set(old.at[pid, "themes"]) != theme_set(new.at[pid, "themes"])
    }
    changes = changes_of(run_dir)
    assert {p["paper_id"] for p in changes["moved"]} == expected
    assert changes["totals"]["moved"] == len(expected)
    assert changes["totals"]["moved"] < len(both) // 2  # the mapping, not raw ids, decides


def test_refit_interrupted_leaves_the_last_run_intact(
    repo: Path, update_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "case"
    shutil.copytree(update_base, root)
    run_dir = root / "out" / "default"
    files = ("manifest.json", "data/papers.csv", "data/topics.csv", "index.html", "changes.html")
    before = {name: (run_dir / name).read_bytes() for name in files}

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("topics.pipeline._run.write_trend_outputs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        update(config(repo, root), refit=True)
    assert {name: (run_dir / name).read_bytes() for name in files} == before
    assert not (root / "out" / "default.previous").exists()
    assert [p.name for p in (root / "out").iterdir() if p.name.startswith(".default")] == []


def test_cli_update_refit_flag(repo: Path, refit_same: Path, tmp_path: Path) -> None:
    root = tmp_path / "case"
    shutil.copytree(refit_same, root)
    args = ["update", str(repo / "configs" / "default.yaml"), "--refit", "-q"]
    args += [f"--set=output_dir={root / 'out'}", f"--set=sources=[{{path: '{root}/src/*.txt'}}]"]
    args += [f"--set={o}" for o in UPDATE_FAST]
    assert main(args) == 0
    manifest = json.loads((root / "out" / "default" / "manifest.json").read_text())
    assert manifest["update"]["refit"] is True
    assert manifest["stages"]["fit"] == "cached"  # the same papers: the fit of refit_same
