"""Building a topic model from its config section, and loading any saved model."""

from __future__ import annotations

from pathlib import Path

from topics.config.schema import ModelConfig
from topics.errors import ConfigError, IncompatibleModelError
from topics.models._base import TOPIC_TABLE_COLUMNS, TopicModel
from topics.models._bundle import read_bundle
from topics.models.bertopic import BERTopicModel
from topics.models.lda import LDATopicModel
from topics.models.nmf import NMFTopicModel

__all__ = ["MODEL_CLASSES", "build_topic_model", "load_topic_model"]

MODEL_CLASSES: dict[str, type[TopicModel]] = {
    "bertopic": BERTopicModel,
    "lda": LDATopicModel,
    "nmf": NMFTopicModel,
}


def build_topic_model(config: ModelConfig, *, seed: int) -> TopicModel:
    """An unfitted topic model as ``config`` describes it.

    Parameters
    ----------
    config : ModelConfig
        The ``model`` section of the config.
    seed : int
        The run's seed; makes fitting deterministic.

    Returns
    -------
    TopicModel
        A :class:`BERTopicModel`, :class:`LDATopicModel` or :class:`NMFTopicModel`.
        LDA and NMF ignore ``representation``, ``umap``, ``hdbscan`` and ``outliers``.

    Raises
    ------
    ConfigError
        If ``nr_topics`` is ``"auto"`` for LDA or NMF, or below 2.
    """
    if isinstance(config.nr_topics, int) and config.nr_topics < 2:
        raise ConfigError(f"model -> nr_topics  must be >= 2; got {config.nr_topics}")
    if config.kind == "bertopic":
        return BERTopicModel(
            nr_topics=config.nr_topics,
            top_n_words=config.top_n_words,
            representation=config.representation,
            umap=config.umap,
            hdbscan=config.hdbscan,
            vectorizer=config.vectorizer,
            outliers=config.outliers,
            random_state=seed,
        )
    if config.nr_topics == "auto":
        raise ConfigError(
            f"model -> nr_topics  'auto' is only supported by kind 'bertopic'; "
            f"kind {config.kind!r} needs a number of topics (default 20)"
        )
    cls = LDATopicModel if config.kind == "lda" else NMFTopicModel
    return cls(
        nr_topics=config.nr_topics,
        top_n_words=config.top_n_words,
        vectorizer=config.vectorizer,
        random_state=seed,
    )


def load_topic_model(directory: str | Path) -> TopicModel:
    """Load a model saved by ``TopicModel.save``, whatever its kind.

    Raises
    ------
    IncompatibleModelError
        If the model was written by an incompatible version or is of an unknown kind.
    ModelError
        If the directory is not a complete saved model.
    """
    bundle = read_bundle(Path(directory), table_columns=TOPIC_TABLE_COLUMNS)
    try:
        cls = MODEL_CLASSES[bundle.kind]
    except KeyError:
        known = ", ".join(sorted(MODEL_CLASSES))
        raise IncompatibleModelError(
            f"{directory}: unknown model kind {bundle.kind!r}; this version of topics knows {known}"
        ) from None
    return cls._from_bundle(bundle)
