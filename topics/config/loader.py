"""Loading a config file: YAML, ``extends:``, ``--set`` overrides, validation.

The loader does everything that has to happen before a single stage runs, so
that a bad config fails in well under a second with a message naming the key
path and the ``file:line`` where it stands, instead of failing an hour into a
run.

Relative paths in a config resolve against the directory of the file that
holds them, so ``topics run configs/default.yaml`` behaves the same from any
working directory. ``$VAR`` and ``${VAR}`` in paths expand from the
environment.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from topics.config.schema import Config
from topics.errors import ConfigError

__all__ = ["load_config", "parse_override", "read_config_data"]

# Keys whose values are paths, as (section path, key). A "*" matches list items.
_PATH_KEYS = (
    ("sources.*", "path"),
    ("", "output_dir"),
    ("embedding", "cache_dir"),
)
_EMBEDDING_LOCAL_PREFIXES = ("./", "../", "/", "~", "$")


@dataclass
class _Origin:
    """Where each key of the merged config was written, for error messages."""

    lines: dict[tuple[str, ...], str] = field(default_factory=dict)

    def find(self, loc: Sequence[str | int]) -> str | None:
        key = tuple(str(p) for p in loc)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return None


def load_config(path: str | Path, overrides: Iterable[str] = ()) -> Config:
    """Read, merge, override and validate a config file.

    Parameters
    ----------
    path : str or Path
        The YAML config file.
    overrides : iterable of str
        ``key.path=value`` strings, as given to ``--set``. Values are parsed
        as YAML, so ``5`` is an int and ``[1, 2]`` a list.

    Raises
    ------
    ConfigError
        If the file is missing or malformed, or any key fails validation.
        The message lists every problem, each with its key path and location.
    """
    data, origin = read_config_data(Path(path))
    # Without output_dir, reports go to reports/ beside the config file, like
    # every other relative path in it: the same folder from any working directory.
    data.setdefault("output_dir", str(Path(path).expanduser().resolve().parent / "reports"))
    for text in overrides:
        key_path, value = parse_override(text)
        _set_by_path(data, key_path, value)
        origin.lines[tuple(key_path)] = f"--set {text}"
    if overrides:
        # A path given with --set means the same as one written in the file:
        # relative to the config file. Values already resolved stay as they are.
        _resolve_paths(data, Path(path).expanduser().resolve().parent)
    return _validate(data, origin, Path(path))


def read_config_data(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], _Origin]:
    """Load ``path`` and everything it ``extends``, deep-merged, paths resolved."""
    path = path.expanduser().resolve()
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise ConfigError(f"{path}: `extends` forms a cycle: {chain}")
    data, origin = _read_yaml_with_lines(path)
    _resolve_paths(data, path.parent)
    parent = data.pop("extends", None)
    if parent is None:
        return data, origin
    if not isinstance(parent, str):
        raise ConfigError(f"{origin.find(['extends'])}: `extends` must be a file path")
    base_path = (path.parent / os.path.expandvars(parent)).expanduser()
    if not base_path.exists():
        raise ConfigError(
            f"{origin.find(['extends'])}: `extends` names {parent!r}, "
            f"which does not exist (looked for {base_path})"
        )
    base, base_origin = read_config_data(base_path, (*_seen, path))
    base_origin.lines.update(origin.lines)
    return _deep_merge(base, data), base_origin


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``model.hdbscan.min_cluster_size=5`` into a key path and a YAML value."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected KEY.PATH=VALUE")
    if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w-]+)*", key):
        raise ConfigError(f"--set {text!r}: {key!r} is not a dotted key path")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.split("."), value


def _read_yaml_with_lines(path: Path) -> tuple[dict[str, Any], _Origin]:
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        _refuse_alias_bomb(node, path)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        raise ConfigError(f"{path}: config file is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config must be a mapping of sections, not a {type(data)}")
    origin = _Origin()
    _record_lines(node, (), path, origin)
    return data, origin


# A real config has a few hundred nodes; aliases that expand past this are
# an attack ("billion laughs"), which would otherwise hang validation.
_MAX_EXPANDED_NODES = 100_000


def _refuse_alias_bomb(root: yaml.Node | None, path: Path) -> None:
    """Count nodes as every later walk would see them, aliases expanded; stop early."""
    stack = [root] if root is not None else []
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > _MAX_EXPANDED_NODES:
            raise ConfigError(
                f"{path}:{node.start_mark.line + 1}: YAML aliases expand to more than "
                f"{_MAX_EXPANDED_NODES} nodes; refusing to read it (an alias bomb?)"
            )
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _record_lines(node: yaml.Node, key: tuple[str, ...], path: Path, origin: _Origin) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*key, str(key_node.value))
            origin.lines[child] = f"{path}:{key_node.start_mark.line + 1}"
            _record_lines(value_node, child, path, origin)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*key, str(index))
            origin.lines[child] = f"{path}:{item.start_mark.line + 1}"
            _record_lines(item, child, path, origin)


def _resolve_paths(data: dict[str, Any], base_dir: Path) -> None:
    """Make path values absolute against the file that wrote them."""
    for section, key in _PATH_KEYS:
        for holder in _holders(data, section.split(".") if section else []):
            if isinstance(holder.get(key), str):
                holder[key] = _resolve_one(holder[key], base_dir)
    embedding = data.get("embedding")
    if isinstance(embedding, dict) and isinstance(embedding.get("model"), str):
        model = embedding["model"]
        if model.startswith(_EMBEDDING_LOCAL_PREFIXES):
            embedding["model"] = _resolve_one(model, base_dir)


def _resolve_one(value: str, base_dir: Path) -> str:
    expanded = os.path.expanduser(os.path.expandvars(value))
    if unexpanded := re.findall(r"\$\{?(\w+)\}?", expanded):
        raise ConfigError(f"path {value!r} uses unset environment variable(s): {unexpanded}")
    return os.path.normpath(expanded if os.path.isabs(expanded) else base_dir / expanded)


def _holders(data: Any, parts: list[str]) -> list[dict[str, Any]]:
    if not parts:
        return [data] if isinstance(data, dict) else []
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = data if isinstance(data, list) else []
        return [h for item in items for h in _holders(item, rest)]
    return _holders(data.get(head), rest) if isinstance(data, dict) else []


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _set_by_path(data: dict[str, Any], key_path: list[str], value: Any) -> None:
    target: Any = data
    for i, part in enumerate(key_path[:-1]):
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
            continue
        if not isinstance(target, dict):
            where = ".".join(key_path[:i])
            raise ConfigError(f"--set {'.'.join(key_path)}: {where} is a value, not a section")
        target = target.setdefault(part, {})
    last = key_path[-1]
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise ConfigError(f"--set {'.'.join(key_path)}: parent is not a section")


def _validate(data: dict[str, Any], origin: _Origin, path: Path) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, origin, path) for err in exc.errors()]
        noun = "problem" if len(problems) == 1 else "problems"
        raise ConfigError(
            f"{path}: {len(problems)} config {noun}:\n" + "\n".join(f"  {p}" for p in problems)
        ) from None


def _describe(err: Mapping[str, Any], origin: _Origin, path: Path) -> str:
    loc = [p for p in err["loc"] if not _is_union_tag(p)]
    key = ".".join(str(p) for p in loc) or "(top level)"
    where = origin.find(loc) or str(path)
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key" + _suggestion(loc)
    elif err["type"] == "missing":
        message = "required key is missing"
    elif err["type"] == "value_error":
        pass
    elif "input" in err and not isinstance(err["input"], dict | list):
        message = f"{message} (got {err['input']!r})"
    return f"{key}: {message}  [{where}]"


def _is_union_tag(part: object) -> bool:
    """pydantic adds the union member's type name to the location; drop it."""
    return isinstance(part, str) and (
        part.startswith(("literal[", "function-"))
        or part in {"int", "str", "float", "bool", "list[str]", "tuple[int, int]"}
    )


def _suggestion(loc: Sequence[str | int]) -> str:
    model: type[BaseModel] | None = Config
    for part in loc[:-1]:
        if model is None:
            break
        if isinstance(part, int):
            continue
        field_info = model.model_fields.get(str(part))
        model = _model_of(field_info.annotation) if field_info else None
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return (
        f"; did you mean {close[0]!r}?"
        if close
        else f"; known keys: {', '.join(model.model_fields)}"
    )


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
