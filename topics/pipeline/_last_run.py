"""The last run of an experiment, as ``topics update`` reads it back.

An update adds papers to a finished run: it keeps that run's topics, themes
and assignments, so it must first check that the run exists and that the
config still describes the same embedding and themes. Either problem is a
:class:`~topics.errors.UpdateRefusedError` (exit code 2) that tells the user
to run ``topics run`` instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from topics.config.schema import Config
from topics.errors import UpdateRefusedError
from topics.pipeline._model import embedding_settings

__all__ = ["LastRun", "check_unchanged", "last_run"]

# What the saved model fixes: an update cannot change it without a refit.
_FIXED_BY_THE_MODEL = ("embedding", "themes", "assign")
_NOT_VECTOR_SETTINGS = {"batch_size", "cache_dir"}


@dataclass
class LastRun:
    """A finished run directory: its manifest, papers and assignments."""

    run_dir: Path
    manifest: dict[str, Any]

    @property
    def model_dir(self) -> Path:
        return self.run_dir / "model"

    def papers(self) -> pd.DataFrame:
        return pd.read_parquet(self.run_dir / "data" / "papers.parquet")

    def assignments(self, cache_state: Path | None) -> pd.DataFrame:
        """The long theme table, from the stage cache when it still holds it (typed, faster)."""
        if cache_state is not None and (cache_state / "assignments.parquet").is_file():
            return pd.read_parquet(cache_state / "assignments.parquet")
        frame = pd.read_csv(
            self.run_dir / "data" / "assignments.csv", dtype={"paper_id": str, "theme": str}
        )
        frame["evidence"] = frame["evidence"].fillna("").astype(str)
        return frame

    @property
    def cache_key(self) -> str | None:
        """The stage-cache key of the last run's assign stage."""
        return self.manifest.get("cache", {}).get("assign", {}).get("key")


def last_run(config: Config) -> LastRun:
    """The run in ``config.run_dir``; refused when there is none, or it has no model."""
    run_dir = config.run_dir
    manifest_path = run_dir / "manifest.json"
    run_it = f"run `topics run` on this config first (it writes {run_dir})"
    if not manifest_path.is_file():
        raise UpdateRefusedError(
            f"experiment {config.experiment!r} has no previous run to update in {run_dir}; {run_it}"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UpdateRefusedError(
            f"{manifest_path}: cannot read the last run ({exc}); {run_it}"
        ) from exc
    missing = [
        name
        for name in ("model/pipeline.json", "data/papers.parquet", "data/assignments.csv")
        if not (run_dir / name).exists()
    ]
    if missing:
        raise UpdateRefusedError(
            f"the last run in {run_dir} did not get as far as the model "
            f"({', '.join(missing)} missing); {run_it}"
        )
    return LastRun(run_dir, manifest)


def check_unchanged(config: Config, last: LastRun) -> None:
    """Refuse an update whose embedding, themes or theme assignment differ from the last run's.

    New papers are embedded and assigned with the saved model; with other
    settings they would not be comparable with the old ones. The message names
    the first key that changed.
    """
    saved = last.manifest.get("config", {})
    now = config.model_dump(mode="json")
    for section in _FIXED_BY_THE_MODEL:
        before, after = saved.get(section), now[section]
        if section == "embedding":
            before = {k: v for k, v in (before or {}).items() if k not in _NOT_VECTOR_SETTINGS}
            after = embedding_settings(config)
        changed = _first_difference(before, after, section)
        if changed is not None:
            raise UpdateRefusedError(
                f"{changed} differs from the last run of {config.experiment!r} "
                f"({last.run_dir / 'manifest.json'}): an update assigns new papers with the "
                f"saved model, which was built with the old value. Run `topics run` to rebuild "
                f"the model with the new {section} settings."
            )


def _first_difference(before: Any, after: Any, path: str) -> str | None:
    """The key path of the first difference, as ``--set`` writes it (``themes.0.phrases``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            found = _first_difference(before.get(key), after.get(key), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(before, list) and isinstance(after, list):
        if path == "themes":
            was = ", ".join(str(t.get("name")) for t in before)
            now = ", ".join(str(t.get("name")) for t in after)
            if was != now:
                return f"themes (was {was}; now {now})"
        if len(before) != len(after):
            return path
        for i, (a, b) in enumerate(zip(before, after, strict=True)):
            found = _first_difference(a, b, f"{path}.{i}")
            if found is not None:
                return found
        return None
    return None if before == after else path
