"""What every reader shares: its signature, its options, and safe file opening.

A reader is a generator ``reader(path, options)`` that yields a
:class:`~topics.records.Record` for every paper and an
:class:`~topics.records.IngestIssue` for every block it could not use or
anything the user should know. Yielding issues instead of raising keeps the
good records of a partly broken file and tells the user where the bad part is.
A reader raises :class:`~topics.errors.IngestError` only when the file as a
whole cannot be read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from topics.errors import IngestError
from topics.records import IngestIssue, Record

__all__ = [
    "TRUNCATION_ERRORS",
    "ReadOptions",
    "Reader",
    "ReaderOutput",
    "TruncationTolerant",
    "check_text_file",
    "is_compressed",
    "open_text",
    "read_nonblank_lines",
    "read_text",
]

ReaderOutput = Iterator[Record | IngestIssue]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Per-source settings a reader may use.

    ``display_path`` is the name used in provenance and messages (relative to
    the config when possible), so reports do not leak a user's home directory
    and stay stable across machines.
    """

    display_path: str
    mapping: Mapping[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    reference_date: date | None = None


Reader = Callable[[Path, ReadOptions], ReaderOutput]

_OPENERS: dict[str, Callable[..., IO[bytes]]] = {
    ".gz": gzip.open,
    ".xz": lzma.open,
    ".bz2": bz2.open,
}


# What gzip, xz and bz2 raise where a file is cut short or damaged.
TRUNCATION_ERRORS = (EOFError, lzma.LZMAError, zlib.error, gzip.BadGzipFile)


def is_compressed(path: Path) -> bool:
    return path.suffix.lower() in _OPENERS


class TruncationTolerant(io.RawIOBase):
    """A decompressed stream that ends where the readable data ends, keeping the reason.

    gzip and xz raise at a truncation, and a buffered read above them drops
    what it had decompressed in that call, so a cut in the last block would
    cost every row of the block (a small file: all of them). Ending the
    stream instead lets a reader keep each row before the cut; it reports the
    cut from ``error``, and ``ended_mid_line`` tells it the last row is partial.
    """

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self.inner = inner
        self.error: Exception | None = None
        self._last = b"\n"

    def readable(self) -> bool:
        return True

    @property
    def ended_mid_line(self) -> bool:
        return self.error is not None and self._last != b"\n"

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.error is not None:
            return 0
        try:
            read1 = getattr(self.inner, "read1", self.inner.read)
            data = read1(len(buffer))
        except TRUNCATION_ERRORS as exc:
            self.error = exc
            return 0
        buffer[: len(data)] = data
        if data:
            self._last = data[-1:]
        return len(data)


def open_text(path: Path, display_path: str | None = None) -> io.TextIOWrapper:
    """Open a plain or compressed file as strict UTF-8 text.

    Decoding errors are raised by the caller's read as ``UnicodeDecodeError``;
    use :func:`read_text` or :func:`check_text_file` to turn them into an
    ``IngestError`` that names the line.
    """
    opener = _OPENERS.get(path.suffix.lower(), open)
    raw = opener(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def check_text_file(path: Path, display_path: str, sample_bytes: int = 65536) -> None:
    """Raise IngestError if ``path`` is missing, empty, binary or not UTF-8.

    Only the first ``sample_bytes`` (after decompression) are checked, so this
    is cheap on large dumps; readers still decode strictly as they go.
    """
    if not path.exists():
        raise IngestError(f"{display_path}: file not found")
    if path.is_dir():
        raise IngestError(f"{display_path}: is a directory, expected a file")
    try:
        opener = _OPENERS.get(path.suffix.lower(), open)
        with opener(path, "rb") as fh:
            stream = TruncationTolerant(fh) if is_compressed(path) else fh
            head = _read_up_to(stream, sample_bytes)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise IngestError(f"{display_path}: cannot read file ({exc})") from exc
    error = getattr(stream, "error", None)
    if error is not None and not head:
        # Cut or damaged before its first byte: nothing to keep. A later cut
        # is the reader's to report, after the rows before it.
        raise IngestError(f"{display_path}: cannot read file ({error})")
    if not head.strip():
        raise IngestError(f"{display_path}: file is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 text is full of NUL bytes; say what it is rather than "binary".
        raise IngestError(
            f"{display_path}: is UTF-16 encoded (byte-order mark at the start); "
            "re-encode the file as UTF-8"
        )
    if b"\x00" in head:
        raise IngestError(f"{display_path}: looks like a binary file (contains NUL bytes)")
    _decode_or_raise(head, display_path, truncated=len(head) == sample_bytes or bool(error))


def _read_up_to(stream: IO[bytes] | io.RawIOBase, size: int) -> bytes:
    chunks, total = [], 0
    while total < size:
        chunk = stream.read(size - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_text(path: Path, display_path: str) -> str:
    """Read a whole (small) text file, with errors that name the line."""
    check_text_file(path, display_path)
    opener = _OPENERS.get(path.suffix.lower(), open)
    with opener(path, "rb") as fh:
        data = fh.read()
    text = _decode_or_raise(data, display_path, truncated=False)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_nonblank_lines(path: Path, display_path: str) -> list[tuple[int, str]]:
    """Read a small text file as ``(line number, stripped text)`` for its non-blank lines.

    Line-oriented readers report issues by line number, so the numbers are
    taken before blank lines are dropped.
    """
    return [
        (number, raw.strip())
        for number, raw in enumerate(read_text(path, display_path).split("\n"), start=1)
        if raw.strip()
    ]


def _decode_or_raise(data: bytes, display_path: str, *, truncated: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample boundary is not an error.
        if truncated and exc.start >= len(data) - 4:
            return data[: exc.start].decode("utf-8-sig")
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"{display_path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}); re-encode the file as UTF-8"
        ) from exc
