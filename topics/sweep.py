"""Sweeps: every combination of a grid of config values, run and compared.

``topics sweep CONFIG --grid model.nr_topics=10,20 --grid model.kind=bertopic,lda``
runs four variants. Each is an ordinary experiment named after its values
(``default--nr_topics-10--kind-lda``) in the same output directory, so the
variants share the stage cache: the corpus is read and embedded once, and a
variant refits only what its values change. The comparison lands in
``<output_dir>/<experiment>--sweep/`` as ``comparison.csv``, ``comparison.json``
and an ``index.html`` that links each variant's own report.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from topics._io import atomic_write_json, atomic_write_text
from topics.config.loader import load_config, parse_override
from topics.config.schema import Config
from topics.errors import ConfigError, TopicsError

__all__ = ["SweepPlan", "SweepResult", "Variant", "parse_grid", "plan_variants", "run_sweep"]

log = logging.getLogger(__name__)

# The comparison's columns, in order; evaluation metrics are None when absent.
COLUMNS = (
    "variant",
    "experiment",
    "status",
    "n_topics",
    "outlier_share",
    "coherence_npmi",
    "diversity",
    "theme_macro_f1",
    "runtime_s",
    "stages_cached",
)


# Columns where a larger value is better, or a smaller one; the page marks the best.
_HIGHER_IS_BETTER = ("coherence_npmi", "diversity", "theme_macro_f1")
_LOWER_IS_BETTER = ("outlier_share", "runtime_s")


@dataclass(frozen=True)
class Variant:
    """One combination of grid values and the config it produces."""

    name: str
    settings: tuple[tuple[str, Any], ...]
    config: Config


@dataclass(frozen=True)
class SweepPlan:
    """The validated variants of a sweep, and where its comparison goes."""

    config_path: Path
    experiment: str
    variants: list[Variant]

    @property
    def out_dir(self) -> Path:
        return self.variants[0].config.output_dir / f"{self.experiment}--sweep"


@dataclass
class SweepResult:
    plan: SweepPlan
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def out_dir(self) -> Path:
        return self.plan.out_dir

    @property
    def failed(self) -> bool:
        return any(row["status"] != "ok" for row in self.rows)


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """``model.nr_topics=10,20`` → ``("model.nr_topics", [10, 20])``.

    The values are read as a YAML list, so numbers stay numbers and a value
    that is itself a list is written in brackets: ``vectorizer.ngram_range=[1,1],[1,2]``.
    """
    key, sep, raw = text.partition("=")
    if not sep or not raw.strip():
        raise ConfigError(f"--grid {text!r}: expected KEY.PATH=VALUE1,VALUE2,...")
    parse_override(f"{key}=0")  # the same key-path rules and messages as --set
    try:
        values = yaml.safe_load(f"[{raw}]")
    except yaml.YAMLError as exc:
        raise ConfigError(f"--grid {text!r}: the values are not a list: {exc}") from None
    if len(values) != len(set(map(json.dumps, values))):
        raise ConfigError(f"--grid {text!r}: a value is repeated")
    return key.strip(), values


def plan_variants(
    config_path: Path, grids: Sequence[str], overrides: Iterable[str] = ()
) -> SweepPlan:
    """Every combination of the grids, each validated before anything runs.

    Raises
    ------
    ConfigError
        If a grid is malformed, or any variant's config is invalid; the
        message names the variant and the key.
    """
    if not grids:
        raise ConfigError("a sweep needs at least one --grid KEY=VALUE1,VALUE2")
    parsed = [parse_grid(g) for g in grids]
    keys = [key for key, _ in parsed]
    if len(keys) != len(set(keys)):
        raise ConfigError(f"--grid names a key twice: {', '.join(keys)}")
    overrides = list(overrides)
    base = load_config(config_path, overrides)
    variants = []
    for values in itertools.product(*(v for _, v in parsed)):
        settings = tuple(zip(keys, values, strict=True))
        name = ", ".join(f"{k}={_show(v)}" for k, v in settings)
        variant_overrides = [
            *overrides,
            f"experiment={variant_experiment(base.experiment, settings)}",
            *(f"{k}={json.dumps(v)}" for k, v in settings),
        ]
        try:
            config = load_config(config_path, variant_overrides)
        except ConfigError as exc:
            raise ConfigError(f"sweep variant {name}: {exc}") from None
        variants.append(Variant(name, settings, config))
    return SweepPlan(Path(config_path), base.experiment, variants)


def variant_experiment(base: str, settings: Sequence[tuple[str, Any]]) -> str:
    """``default--nr_topics-10--kind-lda``: readable, and a valid experiment name."""
    parts = [f"{key.rsplit('.', 1)[-1]}-{_show(value)}" for key, value in settings]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "--".join([base, *parts]))


def run_sweep(
    plan: SweepPlan,
    *,
    labels: Path | None = None,
    force: str | None = None,
    on_variant: Callable[[int, Variant], None] | None = None,
) -> SweepResult:
    """Run each variant (sharing the stage cache), evaluate it, and write the comparison.

    A variant that fails is recorded with its error and the sweep goes on:
    one bad combination should not cost the others' results.
    """
    from topics.evaluate import evaluate_run
    from topics.pipeline import run

    refuse_foreign_sweep_dir(plan.out_dir)
    variants = plan.variants
    result = SweepResult(plan)
    for index, variant in enumerate(variants):
        if on_variant is not None:
            on_variant(index, variant)
        log.info("sweep variant %d/%d: %s", index + 1, len(variants), variant.name)
        try:
            outcome = run(variant.config, force=force)
            evaluation = evaluate_run(outcome.run_dir, labels=labels, stability_seeds=0)
        except TopicsError as exc:
            log.error("sweep variant %s failed: %s", variant.name, exc)
            result.rows.append(_failed_row(variant, str(exc)))
            continue
        result.rows.append(comparison_row(variant, outcome.timings, outcome.stages, evaluation))
    write_comparison(result)
    return result


def refuse_foreign_sweep_dir(out_dir: Path) -> None:
    """Never overwrite the ``index.html`` of a folder that a sweep did not write.

    The comparison replaces ``index.html``, ``comparison.csv`` and
    ``comparison.json`` in ``<output_dir>/<experiment>--sweep``; a folder of the
    user's by that name, without a ``comparison.json``, is not ours.
    """
    if out_dir.exists() and not (out_dir / "comparison.json").is_file():
        raise ConfigError(
            f"output_dir / experiment: {out_dir} exists and no sweep wrote it (it has no "
            "comparison.json); refusing to overwrite its files. Choose another output_dir "
            "or experiment name, or move it away"
        )


def comparison_row(
    variant: Variant,
    timings: dict[str, float],
    stages: dict[str, str],
    evaluation: dict[str, Any],
) -> dict[str, Any]:
    """One variant's row, from its run's stage log and :func:`evaluate_run`'s result."""
    return {
        "variant": variant.name,
        "experiment": variant.config.experiment,
        "status": "ok",
        "n_topics": evaluation["n_topics"],
        "outlier_share": _metric(evaluation, "outliers", "before_reduction"),
        "coherence_npmi": _metric(evaluation, "coherence", "mean"),
        "diversity": _metric(evaluation, "diversity", "value"),
        "theme_macro_f1": _metric(evaluation, "themes", "macro", "f1"),
        "runtime_s": round(sum(timings.values()), 2),
        "stages_cached": ",".join(name for name, how in stages.items() if how == "cached"),
    }


def write_comparison(result: SweepResult) -> None:
    """``comparison.csv``, ``comparison.json`` and ``index.html`` in the sweep directory."""
    import jinja2
    import pandas as pd

    out = result.out_dir
    table = pd.DataFrame(result.rows, columns=list(COLUMNS))
    atomic_write_text(out / "comparison.csv", table.to_csv(index=False))
    plan = result.plan
    grid = [{"name": v.name, "settings": dict(v.settings)} for v in plan.variants]
    atomic_write_json(
        out / "comparison.json",
        {"experiment": plan.experiment, "grid": grid, "variants": result.rows},
    )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("topics", "templates"),
        autoescape=True,  # variant names and errors come from the user and the corpus
        undefined=jinja2.StrictUndefined,
    )
    page = env.get_template("sweep.html").render(
        experiment=plan.experiment,
        config_path=str(plan.config_path),
        finished=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        columns=COLUMNS,
        rows=result.rows,
        best=best_values(result.rows),
        links={
            row["experiment"]: f"../{row['experiment']}/index.html"
            for row in result.rows
            if row["status"] == "ok"
        },
    )
    atomic_write_text(out / "index.html", page)


def best_values(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The best value of each metric column among the variants that have one."""
    best: dict[str, float] = {}
    for column, pick in [
        *((c, max) for c in _HIGHER_IS_BETTER),
        *((c, min) for c in _LOWER_IS_BETTER),
    ]:
        values = [row[column] for row in rows if isinstance(row.get(column), int | float)]
        if values:
            best[column] = pick(values)
    return best


def _metric(evaluation: dict[str, Any], *path: str) -> float | None:
    value: Any = evaluation
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if value is None else round(float(value), 4)


def _failed_row(variant: Variant, error: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(variant=variant.name, experiment=variant.config.experiment, status=error)
    return row


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
