"""Topic models behind one interface: BERTopic (default), LDA and NMF baselines.

Every backend is a scikit-learn estimator with ``fit(docs, embeddings=...)``,
``transform(docs, embeddings=...)``, a ``topic_table_`` and ``save``/``load``
to a directory of safetensors and JSON. Heavy libraries (BERTopic, UMAP,
HDBSCAN) are imported only when a BERTopic model is fitted.
"""

from __future__ import annotations

from topics.models._base import TOPIC_TABLE_COLUMNS, TopicAssignment, TopicModel
from topics.models._bundle import FORMAT_VERSION
from topics.models._clustering import auto_min_cluster_size, resolve_hdbscan_params
from topics.models._factory import MODEL_CLASSES, build_topic_model, load_topic_model
from topics.models.bertopic import BERTopicModel
from topics.models.lda import LDATopicModel
from topics.models.nmf import NMFTopicModel

__all__ = [
    "FORMAT_VERSION",
    "MODEL_CLASSES",
    "TOPIC_TABLE_COLUMNS",
    "BERTopicModel",
    "LDATopicModel",
    "NMFTopicModel",
    "TopicAssignment",
    "TopicModel",
    "auto_min_cluster_size",
    "build_topic_model",
    "load_topic_model",
    "resolve_hdbscan_params",
]
