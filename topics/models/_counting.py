"""Count the corpus' terms in a second process while UMAP runs in this one.

A seeded UMAP runs on one core (umap-learn turns its parallelism off for a
fixed ``random_state``, which is what keeps our fits reproducible), and the
vocabulary pass (tokenizing, 1-2-grams, stop words) is pure Python that needs
nothing from UMAP. On the 2-core machine the benchmarks run on, counting
alongside UMAP uses the core that the seeded UMAP leaves idle, where plain
BERTopic's unseeded UMAP uses both: the fit then costs the wall time of UMAP
rather than of UMAP plus counting (about 15 CPU seconds at 50k abstracts, 60 at
196k). The counts are the same whichever process computes them.

The child is a fresh interpreter (``python -c`` calling :func:`_count_in_child`, with
this process' ``sys.path``) that reads the documents as a pickle on its stdin
and writes the counts as a pickle on its stdout; the pickles never touch disk.
Not ``multiprocessing``: its ``spawn`` re-runs the caller's main script in the
child, which a script without a ``__main__`` guard does not survive, and
``fork`` would copy threads of numba, torch or a progress bar. Below
:data:`BACKGROUND_FROM` documents or on one core the counts are computed here
instead; so they are, with a warning, when the child fails (say, out of memory).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import scipy.sparse as sp

from topics._machine import available_cores
from topics.config.schema import VectorizerConfig
from topics.models._text import fit_vocabulary

__all__ = ["BACKGROUND_FROM", "TermCounts", "count_terms_alongside"]

log = logging.getLogger(__name__)

# Not ``-m topics.models._counting``: the package imports this module first, and runpy warns.
_CHILD_COMMAND = "from topics.models._counting import _count_in_child; _count_in_child()"

# Smaller corpora count in well under a second: a second interpreter costs more.
BACKGROUND_FROM = 20_000


@dataclass
class TermCounts:
    """The vocabulary pass, started by :func:`count_terms_alongside`.

    ``seconds`` and ``cpu_seconds`` are those of the pass itself, wherever it
    ran; ``background`` says whether it ran in the second process.
    """

    docs: Sequence[str]
    config: VectorizerConfig
    stop_words: Sequence[str]
    background: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    _process: Any = field(default=None, repr=False)
    _writer: Any = field(default=None, repr=False)
    _reader: Any = field(default=None, repr=False)
    _reply: tuple[str, Any] | None = field(default=None, repr=False)
    _result: tuple[list[str], sp.csr_matrix] | None = field(default=None, repr=False)

    def result(self) -> tuple[list[str], sp.csr_matrix]:
        """The vocabulary and the doc-term counts; waits for the child if it is still counting.

        Raises
        ------
        ModelError
            As :func:`~topics.models._text.fit_vocabulary` does.
        """
        if self._result is None:
            self._result = self._receive() if self._process is not None else self._count_here()
        return self._result

    def _count_here(self) -> tuple[list[str], sp.csr_matrix]:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = fit_vocabulary(self.docs, self.config, stop_words=self.stop_words)
        self.seconds = time.perf_counter() - started
        self.cpu_seconds = time.process_time() - cpu_started
        self.background = False
        return result

    def _receive(self) -> tuple[list[str], sp.csr_matrix]:
        process, self._process = self._process, None
        self._reader.join()
        process.wait()
        self._writer.join()
        if self._reply is None:
            log.warning(
                "the process counting terms ended without a result (exit code %s); counting here",
                process.returncode,
            )
            return self._count_here()
        status, payload = self._reply
        self._reply = None
        if status == "error":
            raise payload
        vocabulary, (data, indices, indptr, shape), self.seconds, self.cpu_seconds = payload
        return vocabulary, sp.csr_matrix((data, indices, indptr), shape=shape)

    def _start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD_COMMAND],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        request = (list(self.docs), self.config.model_dump(mode="json"), list(self.stop_words))
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        # The child reads while it is still importing: write from a thread, so UMAP starts now.
        self._writer = threading.Thread(
            target=_write_and_close, args=(process.stdin, payload), daemon=True
        )
        self._writer.start()
        # Read the reply as soon as it comes: a child blocked on a full pipe would
        # hold its peak memory (GBs on a large corpus) until the fit asks for it.
        self._reader = threading.Thread(target=self._read_reply, args=(process,), daemon=True)
        self._reader.start()
        self.background, self._process = True, process

    def _read_reply(self, process: subprocess.Popen[bytes]) -> None:
        try:
            self._reply = pickle.load(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self._reply = None
        finally:
            process.stdout.close()

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            if self._writer is not None:
                self._writer.join()
            if self._reader is not None:
                self._reader.join()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None and not stream.closed:
                    stream.close()
            self._process = None


def _write_and_close(stream: Any, payload: bytes) -> None:
    try:
        stream.write(payload)
        stream.close()
    except OSError:  # the child died; result() then counts in this process
        pass


def _can_start_child(n_docs: int) -> bool:
    return n_docs >= BACKGROUND_FROM and available_cores() >= 2


@contextlib.contextmanager
def count_terms_alongside(
    docs: Sequence[str],
    config: VectorizerConfig,
    stop_words: Sequence[str],
    *,
    background: bool | None = None,
) -> Iterator[TermCounts]:
    """Start the vocabulary pass over ``docs``; ``.result()`` of the yielded object ends it.

    ``background``: ``None`` decides by corpus size and cores (see the module
    docstring); ``False`` counts in this process when ``result`` is called.
    Leaving the block stops a child that is still counting.
    """
    counts = TermCounts(docs, config, stop_words)
    if background is None:
        background = _can_start_child(len(docs))
    if background:
        counts._start()
    try:
        yield counts
    finally:
        counts._stop()


def _count_in_child() -> None:
    """Child side: read the request from stdin, write the counts (or the error) to stdout."""
    docs, config, stop_words = pickle.load(sys.stdin.buffer)
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        vocabulary, counts = fit_vocabulary(
            docs, VectorizerConfig.model_validate(config), stop_words=stop_words
        )
    except Exception as exc:  # the parent re-raises it
        reply: tuple[str, Any] = ("error", exc)
    else:
        arrays = (counts.data, counts.indices, counts.indptr, counts.shape)
        seconds = time.perf_counter() - started
        reply = ("ok", (vocabulary, arrays, seconds, time.process_time() - cpu_started))
    pickle.dump(reply, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
