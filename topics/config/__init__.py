"""Validated configuration: schema, YAML loading and overrides."""

from topics.config.schema import (
    AssignConfig,
    CleanConfig,
    Config,
    DedupeConfig,
    EmbeddingConfig,
    HdbscanConfig,
    IngestConfig,
    ModelConfig,
    OutlierConfig,
    SourceConfig,
    ThemeConfig,
    TrendOptions,
    UmapConfig,
    UpdateConfig,
    VectorizerConfig,
)

__all__ = [
    "AssignConfig",
    "CleanConfig",
    "Config",
    "DedupeConfig",
    "EmbeddingConfig",
    "HdbscanConfig",
    "IngestConfig",
    "ModelConfig",
    "OutlierConfig",
    "SourceConfig",
    "ThemeConfig",
    "TrendOptions",
    "UmapConfig",
    "UpdateConfig",
    "VectorizerConfig",
]
