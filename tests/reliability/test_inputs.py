"""Bad input files, alone and beside a good CSV: each is named with its file (and line).

Every case checks the bookkeeping promise of the README: the records kept plus
the rows reported as errors equal the rows fed in, and the good CSV read in the
same run keeps all its papers.
"""

from __future__ import annotations

import gzip
import json
import lzma
import random
import zlib
from pathlib import Path

import pytest

from topics.config.loader import load_config
from topics.pipeline import ingest
from topics.records import SourceResult

ABSTRACT = (
    "We study topic models for scientific abstracts and evaluate their coherence "
    "on several corpora of research papers from digital libraries."
)
GOOD_ROWS = 3
GOOD_CSV = "title,abstract,year\n" + "".join(
    f'"Paper {i}","{ABSTRACT} Variant {i}.",2015\n' for i in range(GOOD_ROWS)
)


def run_ingest(tmp_path: Path, files: dict[str, bytes]) -> dict[str, SourceResult]:
    """Ingest ``good.csv`` plus ``files``; the results by file name."""
    (tmp_path / "good.csv").write_text(GOOD_CSV, encoding="utf-8")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    names = ["good.csv", *files]
    config = tmp_path / "config.yaml"
    config.write_text(
        "experiment: reliability\noutput_dir: out\nsources:\n"
        + "".join(f"  - path: {n}\n" for n in names),
        encoding="utf-8",
    )
    result = ingest(load_config(config))
    by_name = {Path(s.path).name: s for s in result.sources}
    assert [r.title for r in by_name["good.csv"].records] == [f"Paper {i}" for i in range(3)]
    return by_name


def errors(source: SourceResult) -> list[str]:
    return [str(i) for i in source.issues if i.severity == "error"]


def warnings(source: SourceResult) -> list[str]:
    return [str(i) for i in source.issues if i.severity == "warning"]


def accounted(source: SourceResult) -> int:
    """Rows kept plus rows reported lost: must equal the rows fed in."""
    return len(source.records) + len(errors(source))


FILE_LEVEL_CASES = {
    "empty.csv": (b"", "empty.csv: file is empty"),
    "binary.csv": (bytes(range(256)) * 8, "binary.csv: looks like a binary file"),
    "latin1.csv": (
        f"title,abstract,year\n\u00c9tude de M\u00fcller,{ABSTRACT} Caf\u00e9.,2019\n".encode(
            "latin-1"
        ),
        "latin1.csv:2: not valid UTF-8",
    ),
    "cp1252.csv": (
        f"title,abstract,year\n\u201cQuoted\u201d \u0152uvre,{ABSTRACT} \u20ac.,2019\n".encode(
            "cp1252"
        ),
        "cp1252.csv:2: not valid UTF-8",
    ),
    "utf16.csv": (("\ufeff" + GOOD_CSV).encode("utf-16-le"), "utf16.csv: is UTF-16 encoded"),
    "cut_at_start.csv.xz": (
        lzma.compress(GOOD_CSV.encode())[:20],
        "cut_at_start.csv.xz: cannot read",
    ),
    "cut_at_start.csv.gz": (
        gzip.compress(GOOD_CSV.encode())[:12],
        "cut_at_start.csv.gz: cannot read",
    ),
    "no_abstract.csv": (
        b"title,year\nA paper,2019\nAnother,2020\n",
        "no_abstract.csv: no abstract column",
    ),
    "no_abstract.bib": (
        b"@article{z,\n title={No abstract},\n year={2019}\n}\n",
        "no_abstract.bib: no abstract field",
    ),
}


@pytest.mark.parametrize("name", sorted(FILE_LEVEL_CASES))
def test_unreadable_file_is_one_named_error_and_the_good_csv_survives(
    tmp_path: Path, name: str
) -> None:
    data, expected = FILE_LEVEL_CASES[name]
    source = run_ingest(tmp_path, {name: data})[name]
    assert source.records == []
    assert source.failed
    assert len(errors(source)) == 1
    assert expected in errors(source)[0]


def test_all_bad_files_mixed_with_a_good_one(tmp_path: Path) -> None:
    results = run_ingest(tmp_path, {n: d for n, (d, _) in FILE_LEVEL_CASES.items()})
    assert all(results[n].failed for n in FILE_LEVEL_CASES)


def test_utf16_and_latin1_errors_say_how_to_fix(tmp_path: Path) -> None:
    results = run_ingest(tmp_path, {n: FILE_LEVEL_CASES[n][0] for n in ("utf16.csv", "latin1.csv")})
    for name in ("utf16.csv", "latin1.csv"):
        assert "re-encode the file as UTF-8" in errors(results[name])[0]


BIG_ROWS = 2000


def big_csv() -> str:
    """Rows that compress poorly, so that half of the compressed file is half of the rows."""
    rng = random.Random(7)
    words = ["topic", "graph", "neural", "quantum", "protein", "market", "vision", "robot"]
    rows = [
        f'"Paper {i}","'
        + " ".join(f"{rng.choice(words)}{rng.randrange(1000)}" for _ in range(40))
        + '",2015\n'
        for i in range(BIG_ROWS)
    ]
    return "title,abstract,year\n" + "".join(rows)


@pytest.mark.parametrize("suffix", [".gz", ".xz"])
def test_truncated_archive_keeps_the_rows_before_the_cut_and_names_it(
    tmp_path: Path, suffix: str
) -> None:
    compress = gzip.compress if suffix == ".gz" else lzma.compress
    data = compress(big_csv().encode())
    name = f"truncated.csv{suffix}"
    source = run_ingest(tmp_path, {name: data[: len(data) // 2]})[name]
    kept = len(source.records)
    assert BIG_ROWS // 4 < kept < BIG_ROWS
    assert [r.title for r in source.records] == [f"Paper {i}" for i in range(kept)]
    *cut_row, truncation = errors(source)
    # Line 1 is the header: the rows kept are lines 2..kept+1; the cut row comes next.
    assert cut_row == [] or cut_row[0].startswith(f"{source.path}:{kept + 2}: row has ")
    line = kept + 2 + len(cut_row)
    assert truncation.startswith(f"{source.path}:{line}: the file is truncated or corrupt")
    assert "the rows before this line were kept" in truncation
    assert not source.failed


def test_truncated_archive_cut_inside_a_rows_last_field_drops_that_row(tmp_path: Path) -> None:
    """A cut that leaves a row with all its fields, the last one short: not a paper."""
    text = big_csv().encode()
    # Flushed where a row's year has two digits of four, then cut there: the
    # readable data ends in a row that has every field, the last one short.
    prefix = text[: text.index(b'",2015\n', len(text) // 2) + 4]
    gz = zlib.compressobj(wbits=31)
    head = gz.compress(prefix) + gz.flush(zlib.Z_SYNC_FLUSH)
    data = head + gz.compress(text[len(prefix) :]) + gz.flush()
    assert zlib.decompressobj(31).decompress(data[: len(head)]) == prefix
    rows_read = prefix.count(b"\n")  # the header and the complete rows
    source = run_ingest(tmp_path, {"cut.csv.gz": data[: len(head)]})["cut.csv.gz"]
    assert len(source.records) == rows_read - 1
    assert errors(source)[0].startswith(
        f"{source.path}:{rows_read + 1}: row cut short where the file is truncated; row skipped"
    )
    assert errors(source)[1].startswith(f"{source.path}:{rows_read + 2}: the file is truncated")


def test_row_with_unclosed_quote_is_reported_and_the_others_kept(tmp_path: Path) -> None:
    rows = [f'"Good {i}","{ABSTRACT} {i}",2019' for i in range(4)]
    rows[2] = f'"Bad,"{ABSTRACT} x",2019'
    last_open = f'"Never closed,{ABSTRACT},2019'
    results = run_ingest(
        tmp_path,
        {
            "mid.csv": ("title,abstract,year\n" + "\n".join(rows) + "\n").encode(),
            "end.csv": (
                "title,abstract,year\n" + "\n".join([*rows[:2], last_open]) + "\n"
            ).encode(),
        },
    )
    mid, end = results["mid.csv"], results["end.csv"]
    assert [r.title for r in mid.records] == ["Good 0", "Good 1", "Good 3"]
    assert errors(mid)[0].startswith(f"{mid.path}:4: row has 2 fields but the header has 3")
    assert accounted(mid) == 4
    assert [r.title for r in end.records] == ["Good 0", "Good 1"]
    assert errors(end)[0].startswith(f"{end.path}:4:")
    assert accounted(end) == 3


def test_unclosed_quote_that_swallows_the_next_line_keeps_that_row(tmp_path: Path) -> None:
    """The joined row has too many fields; the line it swallowed is a row of its own."""
    rows = [f'"Good {i}","{ABSTRACT} {i}",2019' for i in range(4)]
    rows[1] = f'Bad title,"{ABSTRACT} never closed,2019'  # takes line 4 into its field
    data = ("title,abstract,year\n" + "\n".join(rows) + "\n").encode()
    source = run_ingest(tmp_path, {"q.csv": data})["q.csv"]
    assert [r.title for r in source.records] == ["Good 0", "Good 2", "Good 3"]
    assert [r.provenance.line_start for r in source.records] == [2, 4, 5]
    assert len(errors(source)) == 1
    assert errors(source)[0].startswith(
        f"{source.path}:3: a quote opened on this line is not closed on it and joined the "
        "lines after it (to line 4) into one row"
    )
    assert accounted(source) == 4


def test_quote_opened_mid_file_and_closed_by_the_next_row_is_split_and_reported(
    tmp_path: Path,
) -> None:
    """The lenient parser would join lines 4 and 5 into one paper with 3 fields, silently."""
    rows = [f'"Good {i}","{ABSTRACT} {i}",2019' for i in range(6)]
    rows[2] = f'"Bad title,{ABSTRACT},2019'  # its quote is closed by line 5's opening quote
    data = ("title,abstract,year\n" + "\n".join(rows) + "\n").encode()
    source = run_ingest(tmp_path, {"mid.csv": data})["mid.csv"]
    assert [r.title for r in source.records] == ["Good 0", "Good 1", "Good 3", "Good 4", "Good 5"]
    assert [r.provenance.line_start for r in source.records] == [2, 3, 5, 6, 7]
    assert source.records[2].abstract == f"{ABSTRACT} 3"
    assert len(errors(source)) == 1
    assert errors(source)[0].startswith(
        f"{source.path}:4: a quote opened on this line is not closed on it and joined the "
        "lines after it (to line 5) into one row"
    )
    assert accounted(source) == 6


def test_multi_line_values_with_quotes_are_kept_as_they_are(tmp_path: Path) -> None:
    """Quoted titles across lines and an escaped quote at the end: real rows, read as such."""
    data = (
        "title,abstract,year\n"
        f'"Good 0","{ABSTRACT} as in ""Topic\nModels""",2019\n'
        # One quote, at the end, after a newline: checked against the file, and kept.
        f'"Good 1","{ABSTRACT} ending in\nan escaped quote mark """,2019\n'
        f'"Good 2","{ABSTRACT}",2019\n'
    ).encode()
    source = run_ingest(tmp_path, {"quotes.csv": data})["quotes.csv"]
    assert [r.title for r in source.records] == ["Good 0", "Good 1", "Good 2"]
    assert [r.provenance.line_start for r in source.records] == [2, 4, 6]
    assert source.records[1].abstract.endswith('an escaped quote mark "')
    assert errors(source) == []


def test_malformed_bibtex_entries_are_named_and_good_entries_kept(tmp_path: Path) -> None:
    entry = "@article{{{key},\n title={{{title}}},\n abstract={{{abstract}}},\n year={{2019}}\n}}\n"
    good = entry.format(key="a1", title="Good", abstract=ABSTRACT)
    broken = "@article{a2,\n title={Missing brace,\n abstract={x},\n year={2019}\n}\n"
    duplicate = entry.format(key="a1", title="Again", abstract=ABSTRACT + " again")
    no_abstract = "@article{a3,\n title={Abstract missing},\n year={2019}\n}\n"
    results = run_ingest(
        tmp_path,
        {
            "braces.bib": (good + broken).encode(),
            "dup.bib": (good + duplicate).encode(),
            "entry.bib": (good + no_abstract).encode(),
        },
    )
    braces, dup, entry_bib = results["braces.bib"], results["dup.bib"], results["entry.bib"]
    assert [r.title for r in braces.records] == ["Good"]
    assert "braces.bib:6: entry 'a2' cannot be parsed" in errors(braces)[0]
    assert accounted(braces) == 2
    assert [r.title for r in dup.records] == ["Good"]
    assert "dup.bib:6: duplicate entry key 'a1' (first used at line 1)" in errors(dup)[0]
    assert accounted(dup) == 2
    # One entry without an abstract among good ones: that entry, not the file.
    assert [r.title for r in entry_bib.records] == ["Good"]
    assert errors(entry_bib) == [
        f"{entry_bib.path}:6: entry 'a3' has no abstract (field 'abstract' is empty or missing);"
        " skipped ('Abstract missing')"
    ]
    assert not entry_bib.failed


def test_invalid_jsonl_lines_and_a_json_array_are_named(tmp_path: Path) -> None:
    good = json.dumps({"title": "ok", "abstract": ABSTRACT, "year": 2019})
    results = run_ingest(
        tmp_path,
        {
            "lines.jsonl": f"{good}\n{{not json\n[1, 2]\n".encode(),
            "array.jsonl": json.dumps([{"title": "a", "abstract": ABSTRACT}]).encode(),
        },
    )
    lines, array = results["lines.jsonl"], results["array.jsonl"]
    assert [r.title for r in lines.records] == ["ok"]
    assert "lines.jsonl:2: invalid JSON" in errors(lines)[0]
    assert "lines.jsonl:3: expected a JSON object, got list" in errors(lines)[1]
    assert accounted(lines) == 3
    assert array.records == []
    assert "array.jsonl:1: expected a JSON object, got list" in errors(array)[0]


def test_a_5_mb_abstract_is_kept_whole(tmp_path: Path) -> None:
    abstract = "word " * 1_000_000
    source = run_ingest(
        tmp_path, {"big.csv": f"title,abstract,year\nBig,{abstract},2019\n".encode()}
    )
    assert [len(r.abstract) for r in source["big.csv"].records] == [len(abstract.strip())]
    assert errors(source["big.csv"]) == []


def test_odd_years_are_kept_undated_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    rows = [("Y0", "0"), ("Y3000", "3000"), ("ND", "n.d."), ("Split", "2019/20"), ("Ok", "2019")]
    text = "title,abstract,year\n" + "".join(f"{t},{ABSTRACT} {t},{y}\n" for t, y in rows)
    source = run_ingest(tmp_path, {"years.csv": text.encode()})["years.csv"]
    assert [(r.title, r.year) for r in source.records] == [
        ("Y0", None),
        ("Y3000", None),
        ("ND", None),
        ("Split", None),
        ("Ok", 2019),
    ]
    found = warnings(source)
    assert len(found) == 4
    assert "years.csv:3: implausible year 3000" in found[1]
    for line, raw in ((2, "'0'"), (4, "'n.d.'"), (5, "'2019/20'")):
        assert any(f"years.csv:{line}:" in w and raw in w for w in found)


def test_ingest_command_accounts_for_every_row_of_bad_files_beside_good_ones(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's bookkeeping promise on the files a run writes, not on reader results.

    ``topics ingest`` on a good CSV of real papers (40 titled abstracts from
    the seeds) beside every bad file above: exit code 1 (sources failed), and
    for every file read row by row, the records in ``papers.csv`` (its
    ``sources`` lists each merged record's ``file:line``) plus its errors in
    ``ingest_issues.csv`` equal the rows fed in. A file that cannot be read at
    all is one error naming it, and gives no paper.
    """
    import pandas as pd

    from topics.cli import main
    from topics.ingest import ReadOptions, read_source

    seed = next(seeds_dir.glob("002_*"))
    real = read_source(seed, "auto", ReadOptions(display_path=seed.name)).records[:40]
    good = pd.DataFrame(
        {
            "title": [r.title for r in real],
            "abstract": [r.abstract for r in real],
            "year": [r.year or "" for r in real],
        }
    ).to_csv(index=False)
    quotes = [f'"Good {i}","{ABSTRACT} {i}",2019' for i in range(4)]
    quotes[2] = f'"Bad,"{ABSTRACT} x",2019'
    entry = "@article{{{key},\n title={{{title}}},\n abstract={{{abstract}}},\n year={{2019}}\n}}\n"
    first = entry.format(key="a1", title="Good", abstract=ABSTRACT)
    good_line = json.dumps({"title": "ok", "abstract": ABSTRACT, "year": 2019})
    years = "".join(f"Y{y},{ABSTRACT} {y},{y}\n" for y in ("0", "3000", "n.d.", "2019/20"))
    rows_fed = {  # file: (content, rows or entries in it)
        "good.csv": (good.encode(), 40),
        "quotes.csv": (("title,abstract,year\n" + "\n".join(quotes) + "\n").encode(), 4),
        "lines.jsonl": (f"{good_line}\n{{not json\n[1, 2]\n".encode(), 3),
        "braces.bib": (
            (
                first + "@article{a2,\n title={Missing brace,\n abstract={x},\n year={2019}\n}\n"
            ).encode(),
            2,
        ),
        "dup.bib": ((first + entry.format(key="a1", title="Again", abstract="x y")).encode(), 2),
        "entry.bib": ((first + "@article{a3,\n title={None},\n year={2019}\n}\n").encode(), 2),
        "years.csv": (("title,abstract,year\n" + years).encode(), 4),
    }
    files = {name: data for name, (data, _) in rows_fed.items()}
    files.update({name: data for name, (data, _) in FILE_LEVEL_CASES.items()})
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    config = tmp_path / "config.yaml"
    config.write_text(
        "experiment: mixed\noutput_dir: out\nsources:\n"
        + "".join(f"  - path: {name}\n" for name in files),
        encoding="utf-8",
    )

    assert main(["ingest", str(config), "-q"]) == 1
    assert "FAILED" in capsys.readouterr().out
    data = tmp_path / "out" / "mixed" / "data"
    papers = pd.read_csv(data / "papers.csv", dtype=str, keep_default_na=False)
    issues = pd.read_csv(data / "ingest_issues.csv", dtype=str, keep_default_na=False)
    records = [
        Path(source.rsplit(":", 1)[0]).name
        for sources in papers["sources"]
        for source in sources.split(";")
    ]
    error_files = [Path(f).name for f in issues.loc[issues["severity"] == "error", "file"]]
    for name, (_, fed) in rows_fed.items():
        assert records.count(name) + error_files.count(name) == fed, name
    assert records.count("good.csv") == 40  # no good record lost
    for name in FILE_LEVEL_CASES:
        assert (records.count(name), error_files.count(name)) == (0, 1), name
