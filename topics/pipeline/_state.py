"""Stage outputs as Parquet and JSON, so the stage cache can hand them back.

No pickle: a cache directory may be copied between machines or users, and
loading it must never run code.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from topics._io import atomic_write_json, atomic_write_with
from topics.records import IngestIssue, Provenance, Record, SourceResult

__all__ = ["load_ingest", "load_texts", "save_ingest", "save_texts"]

_SCALARS = (
    "id",
    "abstract",
    "title",
    "date",
    "date_precision",
    "year",
    "date_resolution",
    "category",
    "venue",
    "arxiv_id",
    "doi",
    "comments",
)
_TUPLES = ("authors", "organisations", "keywords")
_PROVENANCE = ("file", "line_start", "line_end", "parser")


def save_ingest(sources: list[SourceResult], directory: Path) -> None:
    """Records in one Parquet table (with their source's index); the rest as JSON."""
    columns: dict[str, list[Any]] = {
        name: [] for name in ("source", *_SCALARS, *_TUPLES, *_PROVENANCE, "extra")
    }
    for index, source in enumerate(sources):
        for record in source.records:
            columns["source"].append(index)
            for name in _SCALARS:
                columns[name].append(getattr(record, name))
            for name in _TUPLES:
                columns[name].append(list(getattr(record, name)))
            for name in _PROVENANCE:
                columns[name].append(getattr(record.provenance, name))
            columns["extra"].append(json.dumps(record.extra) if record.extra else "")
    table = pa.table(columns, schema=_records_schema())
    atomic_write_with(directory / "records.parquet", lambda tmp: pq.write_table(table, tmp))
    atomic_write_json(
        directory / "sources.json",
        [
            {
                "path": s.path,
                "format": s.format,
                "meta": s.meta,
                "issues": [asdict(i) for i in s.issues],
            }
            for s in sources
        ],
    )


def load_ingest(directory: Path) -> list[SourceResult]:
    described = json.loads((directory / "sources.json").read_text(encoding="utf-8"))
    sources = [
        SourceResult(
            path=d["path"],
            format=d["format"],
            issues=[IngestIssue(**issue) for issue in d["issues"]],
            meta=d["meta"],
        )
        for d in described
    ]
    columns = pq.read_table(directory / "records.parquet").to_pydict()
    for row in range(len(columns["source"])):
        sources[columns["source"][row]].records.append(_record_from_columns(columns, row))
    return sources


def save_texts(texts: list[str], directory: Path) -> None:
    table = pa.table({"text": pa.array(texts, type=pa.large_string())})
    atomic_write_with(directory / "texts.parquet", lambda tmp: pq.write_table(table, tmp))


def load_texts(directory: Path) -> list[str]:
    return pq.read_table(directory / "texts.parquet").column("text").to_pylist()


def _record_from_columns(columns: dict[str, list[Any]], row: int) -> Record:
    extra = columns["extra"][row]
    return Record(
        **{name: columns[name][row] for name in _SCALARS},
        **{name: tuple(columns[name][row]) for name in _TUPLES},
        provenance=Provenance(*(columns[name][row] for name in _PROVENANCE)),
        extra=json.loads(extra) if extra else {},
    )


def _records_schema() -> pa.Schema:
    text = pa.large_string()
    fields = [pa.field("source", pa.int32())]
    fields += [pa.field(name, pa.int32() if name == "year" else text) for name in _SCALARS]
    fields += [pa.field(name, pa.list_(text)) for name in _TUPLES]
    fields += [
        pa.field("file", text),
        pa.field("line_start", pa.int64()),
        pa.field("line_end", pa.int64()),
        pa.field("parser", text),
        pa.field("extra", text),
    ]
    return pa.schema(fields)
