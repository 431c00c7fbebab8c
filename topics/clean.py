"""Cleaning abstracts into text for modelling.

The original abstract is never changed: cleaning produces a second text that
topic models and embedders read. Each rule is a small named function that can
be switched off in :class:`~topics.config.CleanConfig`, because what counts as
noise depends on the corpus (a corpus *about* LaTeX needs its macros).

Rules run in a fixed order, each one relying on the ones before it:

1. hyphenation: line-break hyphens must be seen before white space is collapsed;
2. LaTeX: macros become readable text, so the sentences below can be read;
3. boilerplate: whole sentences such as "Code is available at <url>" go while
   their URL still marks them;
4. e-mail addresses, then URLs (an address's domain looks like a URL);
5. Unicode: runs after LaTeX so that produced symbols (``\\ell`` → ℓ) are
   normalised too (NFKC turns ℓ into l, ligatures into letters);
6. white space: collapse runs, newlines become spaces.

Speed matters: the 2019 arXiv archive has 247k abstracts. Regexes are
compiled at import, LaTeX fragments are cached, and every slow rule first
checks a cheap trigger, which :func:`clean_texts` evaluates for all texts at
once with RE2. The archive cleans in about 8 s on one core
(``benchmarks/bench_dedupe.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db

from topics.config import CleanConfig

__all__ = [
    "clean_text",
    "clean_texts",
    "join_hyphenated_line_breaks",
    "normalize_unicode",
    "normalize_whitespace",
    "remove_boilerplate",
    "remove_emails",
    "remove_urls",
    "strip_latex",
]

CleanRule = Callable[[str], str]

# --------------------------------------------------------------------------- hyphenation

_LINE_BREAK_HYPHEN = re.compile(r"((?:\w+-)*\w+)-[ \t]*\r?\n[ \t]*(\w+)")
# First parts of compounds that keep their hyphen ("self-supervised").
_COMPOUND_FIRST_PARTS = frozenset(
    re.findall(
        r"\w+",
        """self non multi semi pre post co cross well state real high low long short large
        small end one two three four few zero full half open closed fine coarse deep wide many
        single double inter intra anti counter meta sub super out over under data task domain
        model object image time space class rule graph user machine human word sentence noise
        label weight energy cost trade follow top bottom first second third""",
    )
)
# Second parts that are only ever word endings ("classifica-\ntion").
_SUFFIX_FRAGMENT = re.compile(
    r"(?:tions?|sions?|ments?|ness|it(?:y|ies)|ings?|ed|es|ly|bl[ey]|ples?|ives?|al|ally|ial|"
    r"ious|ous|ance|ence|ant|ent|ics?|i[sz](?:e|ed|ing|ation)|ations?|ers?|est|ful|less|ty|ry)",
    re.IGNORECASE,
)


def join_hyphenated_line_breaks(text: str) -> str:
    """Undo hyphenation at line breaks, keeping hyphens that belong to the word.

    ``"adver-\\nsarial"`` becomes ``"adversarial"`` but ``"self-\\nsupervised"``
    stays ``"self-supervised"``. With no dictionary at hand, the text itself is
    the first witness (the word spelt elsewhere with or without its hyphen),
    then word-ending fragments (``-\\ntion``) and common compound first parts
    (``self-``, ``multi-``). Anything else is taken for a typesetting split.
    """
    if "\n" not in text or "-" not in text:
        return text
    return _LINE_BREAK_HYPHEN.sub(partial(_rejoin, text=text), text)


def _rejoin(match: re.Match[str], text: str) -> str:
    left, right = match.group(1), match.group(2)
    hyphenated, joined = f"{left}-{right}", f"{left}{right}"
    if _occurs_elsewhere(hyphenated, text):
        return hyphenated
    if _occurs_elsewhere(joined, text) or _SUFFIX_FRAGMENT.fullmatch(right):
        return joined
    if "-" in left or left.casefold() in _COMPOUND_FIRST_PARTS or not (left + right).isalpha():
        return hyphenated
    if right[0].isupper():
        return hyphenated
    return joined


def _occurs_elsewhere(word: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


# --------------------------------------------------------------------------- LaTeX

_LATEX_MARKS = ("\\", "$", "~", "{", "}", "``", "''")
_DOLLAR_PLACEHOLDER = "\x00"
_MATH = re.compile(r"\$\$(.{1,500}?)\$\$|\$([^$]{1,400}?)\$", re.DOTALL)
_CITATION = re.compile(
    r"\\(?:cite[a-z]*|ref|eqref|autoref|cref|Cref|label)\*?\s*(?:\[[^\]]*\]\s*)*\{[^{}]*\}"
)
_ACCENT = re.compile(
    r"\\(?:[`'^\"~=.]\s*|[cvuHkrdb](?=[\s{]))\s*(?:\{\s*\\?[A-Za-z]?\s*\}|\\[ij]\b|[A-Za-z])"
)
_CITATION_MARK = "\x01"
_CITATION_GAP = re.compile(r"[ \t~]*\x01")
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*\{([^{}]*)\}")
_TEXT_STYLE = re.compile(
    r"\\(?:emph|text(?:it|bf|tt|sc|sf|rm|up|md|sl|normal)?|mbox|hbox|underline|uline|url|"
    r"math(?:rm|it|bf|sf|tt|cal|bb|frak|scr)|boldsymbol|bm|operatorname\*?|"
    r"hat|widehat|tilde|widetilde|bar|overline|vec|dot|ddot|check|breve|acute|grave)"
    r"\s*\{([^{}]*)\}"
)
_BARE_MATH_STYLE = re.compile(r"\\(?:math(?:cal|bb|bf|rm|frak|scr)|hat|tilde|bar|vec)\s+(\w)")
_FONT_SWITCH = re.compile(
    r"\\(?:em|it|bf|tt|sc|sf|rm|sl|cal|bfseries|itshape|ttfamily|scshape|sffamily|rmfamily|"
    r"upshape|normalfont|small|large|Large|footnotesize|tiny|huge|displaystyle|textstyle|"
    r"left|right|[Bb]igg?[lrm]?|limits|nolimits|noindent)(?![A-Za-z])\s*"
)
_FRACTION = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_SPACING = re.compile(r"\\(?:[,;:! ]|q?quad(?![A-Za-z]))|\\\\")
_ESCAPED_CHAR = re.compile(r"\\([%&#_{}|])")
# Escaped characters wait behind private-use stand-ins until the braces and
# subscript marks they look like have been removed.
_STAND_INS = {"{": "\ue000", "}": "\ue001", "_": "\ue002"}
_RESTORE = {v: k for k, v in _STAND_INS.items()} | {_DOLLAR_PLACEHOLDER: "$"}
_MACRO = re.compile(r"\\([A-Za-z]+)")
_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_TIE = re.compile(r"(?<![/\\])~")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t~]+(?=[,.;:!?)])")


def _symbol_table() -> dict[str, str]:
    """Macro name → Unicode text, from pylatexenc's maintained tables.

    Only macros that take no argument are used (``\\alpha`` → α, ``\\leq`` →
    ≤, ``\\log`` → log); those with arguments are handled by the regexes above.
    """
    table: dict[str, str] = {}
    for spec in get_default_latex_context_db().iter_macro_specs():
        repl = getattr(spec, "simplify_repl", None)
        name = spec.macroname
        if isinstance(repl, str) and "%" not in repl and name.isalpha() and "<" not in repl:
            table.setdefault(name, repl)
    table.pop("today", None)
    return table


_SYMBOLS = _symbol_table()
_ACCENT_CONVERTER = LatexNodes2Text()


@lru_cache(maxsize=4096)
def _accent_to_text(token: str) -> str:
    """``\\'e`` → é, via pylatexenc; cached because few distinct accents occur."""
    try:
        return unicodedata.normalize("NFC", _ACCENT_CONVERTER.latex_to_text(token))
    except (IndexError, ValueError, TypeError, AttributeError):
        return re.sub(r"[^A-Za-z]", "", token[2:])


def _macro_to_text(match: re.Match[str]) -> str:
    """A known macro becomes its symbol; an unknown one (``\\laurel``) its name."""
    return _SYMBOLS.get(match.group(1), match.group(1))


def _replace_until_stable(pattern: re.Pattern[str], repl: str, text: str) -> str:
    """Apply ``pattern`` until nothing changes, for nested ``\\frac{\\sqrt{x}}{2}``."""
    for _ in range(4):
        text, count = pattern.subn(repl, text)
        if not count:
            break
    return text


def _expand_macros(text: str) -> str:
    """The steps shared by maths and running text, innermost constructs first."""
    if "\\" not in text:
        return _UNESCAPED_BRACE.sub("", text) if "{" in text or "}" in text else text
    text = _ACCENT.sub(lambda m: _accent_to_text(m.group(0)), text)
    text = _HREF.sub(r"\1", text)
    text = _replace_until_stable(_TEXT_STYLE, r"\1", text)
    text = _BARE_MATH_STYLE.sub(r"\1", text)
    text = _replace_until_stable(_FRACTION, r"\1/\2", text)
    text = _replace_until_stable(_SQRT, r"√(\1)", text)
    text = _FONT_SWITCH.sub("", text)
    text = _SPACING.sub(lambda m: "" if m.group(0) == "\\!" else " ", text)
    text = _ESCAPED_CHAR.sub(lambda m: _STAND_INS.get(m.group(1), m.group(1)), text)
    text = _MACRO.sub(_macro_to_text, text)
    return _UNESCAPED_BRACE.sub("", text)


@lru_cache(maxsize=100_000)
def _math_to_text(content: str) -> str:
    """Inline maths as readable text: ``\\ell_p`` → ℓp, ``La$_2$`` → La2, ``\\epsilon`` → ϵ.

    Subscript marks are dropped so that ``\\ell_2`` reads as one token; ``^``
    stays because ``2^n`` is readable as written.
    """
    text = _TIE.sub(" ", content) if "~" in content else content
    text = _expand_macros(text)
    return text.replace("_", "").strip()


def strip_latex(text: str) -> str:
    """Turn LaTeX into readable text without losing what it says.

    Maths stays as symbols and words (``$\\ell_p$-norm`` → ``ℓp-norm``,
    ``$ε= 8/255$`` → ``ε= 8/255``), styling macros keep their content
    (``\\emph{x}`` → x), citations and references are dropped, accents are
    composed (``Poincar\\'e`` → Poincaré), ````quotes''`` become ``"quotes"``
    and ties become spaces. An unbalanced ``$`` is left as a plain character.
    pylatexenc supplies the symbol and accent tables; its full parser is not
    used on whole abstracts because it reads ``%`` as a comment (abstracts
    write "5%") and is a hundred times slower than these regexes.
    """
    if not any(mark in text for mark in _LATEX_MARKS):
        return text
    if "\\" in text:
        text = text.replace("\\$", _DOLLAR_PLACEHOLDER)
        text, citations = _CITATION.subn(_CITATION_MARK, text)
        if citations:  # the space or tie before a citation goes with it
            text = _CITATION_GAP.sub("", text)
    if "$" in text:
        text = _MATH.sub(lambda m: _math_to_text(m.group(1) or m.group(2)), text)
    text = text.replace("``", '"').replace("''", '"')
    if "~" in text:
        text = _TIE.sub(" ", text)
    text = _expand_macros(text)
    if any(stand_in in text for stand_in in _RESTORE):
        for stand_in, char in _RESTORE.items():
            text = text.replace(stand_in, char)
    return text


# --------------------------------------------------------------------------- triggers


class _Trigger:
    """Patterns of which one matches every text a rule could change.

    A rule checks its trigger before its slow regexes. ``clean_texts`` tests
    the trigger on all texts at once with RE2 (through pyarrow), so the
    patterns are written for both engines. Several small patterns are faster
    in RE2 than their union, whose automaton grows too large.
    """

    def __init__(self, *patterns: str, lowercase: bool = False) -> None:
        self.patterns = patterns
        self.lowercase = lowercase
        self._compiled = re.compile("|".join(patterns))

    def search(self, text: str) -> bool:
        return self._compiled.search(text.lower() if self.lowercase else text) is not None

    def matching(self, texts: pa.Array, lowered: pa.Array) -> np.ndarray:
        """Boolean mask of the texts in which some pattern matches."""
        array = lowered if self.lowercase else texts
        found = np.zeros(len(texts), dtype=bool)
        for pattern in self.patterns:
            found |= pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False)
        return found


# --------------------------------------------------------------------------- URLs, e-mails

# Bare domains ("github.com/x", "cran.r-project.org/web/...") must be lower
# case, so that "cs.AI" or "Node.js" are not taken for addresses.
_URL_BODY = (
    r"(?:(?:https?|ftp)://\s?|www\.)[^\s<>\"]+"
    r"|(?-i:(?<![@\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+\.[a-z]{2,4}/[^\s<>\"]*)"
    r"|(?-i:(?<![@\w.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|edu|gov|ai)\b"
    r"(?!\.[a-z])(?:/[^\s<>\"]*)?)"
)
# A URL takes its preposition ("at", "see") with it, so that none dangles.
_URL = re.compile(
    r"(?:\b(?:at|from|on|via|in|under|see|visit|link)\s*:?\s*)?"
    rf"<?(?:{_URL_BODY})(?<![.,;:!?)\]'])>?",
    re.IGNORECASE,
)
# Found in every text that has a URL; 99% of abstracts have none, and the
# full pattern is slow.
_URL_TRIGGER = _Trigger(r"://|www\.|\.(?:com|org|net|io|edu|gov|ai)\b|\.[a-z]{2,4}/")
_EMAIL = re.compile(
    r"(?:\b(?:e-?mail(?:\s+us)?|contact|correspondence|corresponding\s+author)\s*(?:at|:)?\s*)?"
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b",
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(r"\(\s*[,;:]?\s*\)|\[\s*[,;:]?\s*\]|<\s*>")
_DANGLING_SEPARATOR = re.compile(r"\s*[,;:]\s*(?=[)\]])")


def _tidy(text: str) -> str:
    """Remove what a deletion leaves behind: ``()``, ``(CTI, )``, ``word .``."""
    text = _DANGLING_SEPARATOR.sub("", text)
    text = _EMPTY_BRACKETS.sub("", text)
    return _SPACE_BEFORE_PUNCTUATION.sub("", text)


def remove_urls(text: str) -> str:
    """Delete URLs (``https://``, ``www.``, bare ``github.com/...``) and their lead-in.

    ``"Code is available at www.robots.ox.ac.uk/~vgg/research/DVE/."``
    becomes ``"Code is available."``: the words "at" and "see" go with it.
    """
    return _remove_urls(text) if _URL_TRIGGER.search(text) else text


def _remove_urls(text: str) -> str:
    text, count = _URL.subn("", text)
    return _tidy(text) if count else text


def remove_emails(text: str) -> str:
    """Delete e-mail addresses with their ``Contact:`` or ``e-mail us`` lead-in."""
    if "@" not in text:
        return text
    text, count = _EMAIL.subn("", text)
    return _tidy(text) if count else text


# --------------------------------------------------------------------------- boilerplate

# Found in every text that holds a boilerplate sentence (one part per sentence
# pattern below), and in only one abstract in eight; a test checks on archive
# abstracts that it never hides a sentence.
_BOILERPLATE_TRIGGER = _Trigger(
    # Copyright notices, publication notes, "see our project page".
    r"©|\(c\)\s*(?:19|20)\d\d|copyright|rights\s+reserved|personal\s+use|permission\s+from|"
    r"submitted\s+to\s+the\s+ieee|"
    r"(?:accepted|appear|published|presented|submitted|review)\s+(?:at|to|in|for|by|as)\b|"
    r"(?:see|visit|check|refer\s+to)\s+(?:out\s+)?(?:our|the)\b|"
    r"(?:see|visit|check|find|watch)\b[^.]{0,60}(?:https?:|www\.)",
    # "X is (publicly) available", "we release our code".
    r"(?:is|are|be|been)\s+(?:\w+\s+){0,6}(?:available|released|accessible|open[- ]sourced|found|"
    r"downloaded|accessed|hosted|published)|"
    r"\bwe\s+(?:\w+\s+){0,4}(?:release|open[- ]source|publish)|"
    r"\bwe\s+(?:\w+\s+){0,4}(?:make|provide|share)\b[^.]*(?:available|public|https?:|www\.|github)",
    # "Code: <url>", "Project page: <url>".
    r"(?:code|project|page|site|homepage|demo|videos?|models|data|datasets|availability|github|"
    r"contact|material|information)(?:\s+(?:and|&)\s+[\w-]+(?:\s+[\w-]+)?)?\s*(?:(?:is|are)\s+)?"
    r"(?:available\s+)?(?::|at\s*:?\s*(?:https?:|www\.))",
    lowercase=True,
)
_SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=[A-Z(\[\"“])")
_ARTIFACT = (
    r"(?:source[- ])?codes?|codebase|implementations?|software|toolbox|toolkit|library|package|"
    r"models?|weights|checkpoints|data(?:sets?)?|benchmarks?|resources|materials?|demos?|"
    r"videos?|project(?:\s+(?:page|website))?|web\s*(?:page|site)|website|homepage|"
    r"repository|supplementary\s+(?:material|information)|tools?|files"
)
_CODE_ARTIFACT = r"(?:source[- ])?codes?|implementations?|models?|weights|checkpoints|software"
_AVAILABLE = (
    r"(?:(?:is|are|will\s+be|has\s+been|have\s+been|can\s+be|shall\s+be|is\s+to\s+be)\s+"
    r"(?:(?:now|also|all|made|publicly|freely|openly|fully)\s+)*"
    r"(?:available|released|accessible|open[- ]sourced|hosted|published)"
    r"|(?:can|could|may|is\s+to)\s+be\s+(?:freely\s+)?(?:found|downloaded|accessed))\b"
)
# The artifact must open the sentence ("Experiments use data that is publicly
# available" is about the experiments), and be the subject of the claim: no
# other clause may come between ("Endoscopic video is a sensor that is freely
# available", "Data shows that 90% of literature is freely available").
_CLAUSE_WORD = r"\b(?:is|are|was|were|that|which|who|where|when|while|but|shows?)\b"
# A sentence that opens with a concession or a generality ("Although several
# datasets are publicly available, ...", "Many resources are available") is
# about the field, not a release.
_NOT_A_RELEASE = (
    r"(?:although|though|even\s+though|while|whereas|when|if|since|because|unlike|despite|"
    r"many|most|some|several|few|existing|previous|prior|current|other)\b"
)
_AVAILABILITY_CLAIM = re.compile(
    rf"^\W*(?!{_NOT_A_RELEASE})(?:[\w-]+\s+){{0,4}}?(?:{_ARTIFACT})\b(?:(?!{_CLAUSE_WORD})[^.]){{0,80}}?"
    rf"\b{_AVAILABLE}",
    re.IGNORECASE,
)
_OURS_CUE = re.compile(
    r"https?:|www\.|[a-z]\.[a-z]{2,4}/|github|gitlab|zenodo|huggingface|"
    r"upon\s+(?:reasonable\s+)?request|"
    r"on\s+request|publicly|freely|openly|open[- ]source|for\s+download|online|"
    r"to\s+the\s+(?:public|community|research\s+community)|will\s+be\s+(?:made\s+)?"
    r"(?:publicly\s+)?(?:available|released)|^\W*our\b|"
    r"^\W*(?:the\s+)?(?:source[- ])?(?:codes?|implementations?|software)\b",
    re.IGNORECASE,
)
_WE_RELEASE = re.compile(
    r"^\W*we\s+(?:will\s+|also\s+|further\s+|publicly\s+)*"
    r"(?P<verb>release|make|open[- ]source|provide|share|publish)\s+"
    r"(?:all\s+|the\s+|our\s+)+(?:[\w-]+\s+){0,3}?"
    rf"(?P<artifact>{_ARTIFACT})\b",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^\W*(?:(?:source\s+)?code|(?:project\s+)?(?:web\s*page|web\s*site|home\s*page|page)|"
    r"project|demo|videos?|models|data(?:sets?)?|availability|github|contact|supplementary\s+"
    r"(?:material|information))(?:\s+(?:and|&)\s+[\w-]+(?:\s+[\w-]+)?)?\s*"
    r"(?:(?:is|are)\s+)?(?:available\s+)?(?::|at\s*:?\s*(?:https?:|www\.))",
    re.IGNORECASE,
)
_SEE_OUR = re.compile(
    rf"^\W*(?:please\s+)?(?:(?:see|visit|check(?:\s+out)?|refer\s+to)\s+(?:our|the)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?(?:{_ARTIFACT})\b"
    r"|(?:see|visit|check|find|watch)\b[^.]{0,60}(?:https?:|www\.))",
    re.IGNORECASE,
)
_PUBLICATION_NOTE = re.compile(
    r"^\W*(?:(?:this|the|our)\s+(?:paper|work|article|manuscript|version|submission|report)\s+"
    r"(?:(?:has\s+been|was|is|will\s+be|is\s+to\s+be)\s+(?:accepted|published|submitted)"
    r"|(?:has\s+been|was)\s+presented)"
    r"|accepted|to\s+appear|published|submitted|under\s+review)\s+(?:at|to|in|for|by|as)\b"
    r"(?!\s*(?:19|20)\d\d\b)",
    re.IGNORECASE,
)
_COPYRIGHT_SENTENCE = re.compile(
    r"^\W*(?:all\s+rights\s+reserved|personal\s+use\s+of\s+this\s+material|permission\s+from\s+"
    r"(?:ieee|the\s+publisher)|this\s+work\s+has\s+been\s+submitted\s+to\s+the\s+ieee|"
    r"copyright\s*(?:©\s*)?(?:(?:19|20)\d\d|20xx|\(c\))|©|(?-i:\(C\))\s*(?:19|20)\d\d)",
    re.IGNORECASE,
)
# "© 2020 IEEE.", "(C) 2015 Elsevier Ltd. All rights reserved.", "(Copyright
# 2016 eXenSa. All rights reserved)", or a notice that runs to the end.
_COPYRIGHT_NOTICE = re.compile(
    r"\(?(?:©|\(C\)|[Cc]opyright)\s*(?:©\s*)?(?:(?:19|20)\d\d|20XX)\b"
    r"(?:[^()]{0,100}?(?:[Aa]ll\s+rights\s+reserved\.?|(?=\)))|[^()]{0,100}$|[^.()]{0,80}\.?)\)?"
)
_RELEASE_CUE = re.compile(r"available|publicly|https?:|www\.|github", re.IGNORECASE)
_COPYRIGHT_TRIGGER = re.compile(r"©|\(C\)|[Cc]opyright")
_URL_ONLY = re.compile(_URL_BODY, re.IGNORECASE)
_MAX_BOILERPLATE_WORDS = 40


def remove_boilerplate(text: str) -> str:
    """Delete whole sentences that are about the paper, not its content.

    Code and data availability ("Our code is publicly available at <url>",
    "Code and models: <url>", "Please see our project page at <url>",
    "The source code will be released"), publication notes ("Accepted at
    CVPR 2023", "To appear in TPLP") and copyright notices ("© 2020 IEEE").
    A sentence qualifies only if it *is* such a statement: one that merely
    mentions code ("whose code is not available", "publicly available
    benchmark dataset") stays.
    """
    return _remove_boilerplate(text) if _BOILERPLATE_TRIGGER.search(text) else text


def _remove_boilerplate(text: str) -> str:
    notices = 0
    if _COPYRIGHT_TRIGGER.search(text):
        text, notices = _COPYRIGHT_NOTICE.subn("", text)
    sentences = _split_sentences(text)
    kept = [sentence for sentence in sentences if not _is_boilerplate(sentence.strip())]
    if len(kept) == len(sentences) and not notices:
        return text
    return "".join(kept).rstrip()


def _split_sentences(text: str) -> list[str]:
    """Sentences with their trailing white space, so that joining them restores the text."""
    pieces, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return pieces


def _is_release_statement(match: re.Match[str], sentence: str) -> bool:
    """True for "We release our code", not for "We provide the implementation details"."""
    if match["verb"].casefold() in {"make", "provide", "share"}:
        return _RELEASE_CUE.search(sentence) is not None
    return bool(
        re.fullmatch(_CODE_ARTIFACT, match["artifact"], re.IGNORECASE) or _OURS_CUE.search(sentence)
    )


def _is_boilerplate(sentence: str) -> bool:
    if not sentence:
        return False
    if _COPYRIGHT_SENTENCE.match(sentence):
        return True
    release = _WE_RELEASE.match(sentence)
    if not (
        _LABEL.match(sentence)
        or _PUBLICATION_NOTE.match(sentence)
        or _SEE_OUR.match(sentence)
        or (release and _is_release_statement(release, sentence))
        or (_AVAILABILITY_CLAIM.match(sentence) and _OURS_CUE.search(sentence))
    ):
        return False
    # A long sentence that ends in a release note is mostly content: keep it.
    return len(_URL_ONLY.sub("", sentence).split()) <= _MAX_BOILERPLATE_WORDS


# --------------------------------------------------------------------------- Unicode, spaces

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_ASCII_SPACE_RUNS = ("  ", "\n", "\t", "\r", "\x0b", "\x0c")


def normalize_unicode(text: str, form: str = "NFKC") -> str:
    """Unicode normalisation: NFKC folds ligatures (ﬁ → fi), non-breaking and
    full-width characters (Ｃ → C) and maths letters (ℓ → l); NFC only composes
    accents, for corpora where those distinctions matter. ``"none"`` is a no-op.
    """
    if form == "none" or text.isascii():
        return text
    return unicodedata.normalize(form, text)


def normalize_whitespace(text: str) -> str:
    """Collapse white space runs (newlines and tabs included) to one space; strip.

    Invisible characters (soft hyphens, zero-width spaces, BOMs) go too: they
    split words for a tokenizer without showing on screen.
    """
    if text.isascii() and not any(space in text for space in _ASCII_SPACE_RUNS):
        return text.strip()
    return " ".join(_INVISIBLE.sub("", text).split())


# --------------------------------------------------------------------------- pipeline


class _Rule(NamedTuple):
    """A cleaning rule; ``trigger`` (if any) matches every text the rule can change.

    ``clean_texts`` evaluates triggers for all texts at once with RE2 (through
    pyarrow), which is ten times faster than Python's ``re`` on long
    alternations, and runs ``apply`` only on the texts that match. A rule that
    ``only_deletes`` cannot create a match for a later trigger, so triggers
    past it can be evaluated before it runs, in the same pass.
    """

    apply: CleanRule
    trigger: _Trigger | None = None
    only_deletes: bool = False

    def __call__(self, text: str) -> str:
        if self.trigger is not None and not self.trigger.search(text):
            return text
        return self.apply(text)


def _rules(config: CleanConfig) -> list[_Rule]:
    """The enabled rules, in the order the module docstring explains."""
    steps: list[tuple[bool, _Rule]] = [
        (config.hyphenation, _Rule(join_hyphenated_line_breaks)),
        (config.latex, _Rule(strip_latex)),
        (config.boilerplate, _Rule(_remove_boilerplate, _BOILERPLATE_TRIGGER, only_deletes=True)),
        (config.emails, _Rule(remove_emails, only_deletes=True)),
        (config.urls, _Rule(_remove_urls, _URL_TRIGGER, only_deletes=True)),
        (config.unicode != "none", _Rule(partial(normalize_unicode, form=config.unicode))),
        (config.whitespace, _Rule(normalize_whitespace)),
    ]
    return [rule for enabled, rule in steps if enabled]


def clean_text(text: str, config: CleanConfig = CleanConfig()) -> str:  # noqa: B008
    """Clean one abstract for modelling.

    Parameters
    ----------
    text : str
        The abstract as the source gave it.
    config : CleanConfig, default=CleanConfig()
        Which rules run, and the Unicode normal form.

    Returns
    -------
    str
        The cleaned text; the input is left as it was.

    Examples
    --------
    >>> clean_text("robust to $\\\\ell_p$-norm attacks. Code: https://github.com/x/y")
    'robust to lp-norm attacks.'
    """
    for rule in _rules(config):
        text = rule(text)
    return text


def clean_texts(texts: Iterable[str], config: CleanConfig = CleanConfig()) -> list[str]:  # noqa: B008
    """Clean many abstracts: the same result as :func:`clean_text` on each, faster.

    Identical abstracts are cleaned once (a paper listed under several arXiv
    categories repeats its abstract), and the rules run one at a time over
    the whole list so that their triggers can be tested in bulk.

    Parameters
    ----------
    texts : iterable of str
        Abstracts, in record order.
    config : CleanConfig, default=CleanConfig()
        Which rules run, and the Unicode normal form.

    Returns
    -------
    list of str
        Cleaned texts aligned with ``texts``.
    """
    texts = list(texts)
    unique = list(dict.fromkeys(texts))
    rules = _rules(config)
    cleaned = unique
    hits: dict[int, list[int]] = {}
    for k, rule in enumerate(rules):
        if rule.trigger is None:
            cleaned = [rule.apply(text) for text in cleaned]
            continue
        if k not in hits:
            hits.update(_match_triggers(cleaned, rules, k))
        cleaned = list(cleaned)
        for i in hits.pop(k):
            cleaned[i] = rule.apply(cleaned[i])
    by_text = dict(zip(unique, cleaned, strict=True))
    return [by_text[text] for text in texts]


def _match_triggers(texts: list[str], rules: list[_Rule], first: int) -> dict[int, list[int]]:
    """For rule ``first`` and the triggered rules after it that nothing but
    deletions separate from it: the indices of the texts each one must see.

    Converting the texts to Arrow costs as much as matching, so it is done once.
    """
    if not texts:
        return {k: [] for k in range(first, len(rules))}
    array = pa.array(texts, pa.large_string())
    lowered = pc.utf8_lower(array)
    found: dict[int, list[int]] = {}
    for k in range(first, len(rules)):
        trigger = rules[k].trigger
        if trigger is not None:
            found[k] = np.flatnonzero(trigger.matching(array, lowered)).tolist()
        if not rules[k].only_deletes:
            break
    return found
