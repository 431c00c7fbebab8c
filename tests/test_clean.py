"""Cleaning rules, each on real text from the seeds or the 2019 arXiv archive.

Archive examples are quoted with their arXiv id; seed examples with their file
and line. Where a rule only shows on text the sources do not contain (a PDF
copy's ligatures or line-break hyphens), the seed sentence is quoted as such a
copy would render it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from topics import clean
from topics.clean import (
    clean_text,
    clean_texts,
    join_hyphenated_line_breaks,
    normalize_unicode,
    normalize_whitespace,
    remove_boilerplate,
    remove_emails,
    remove_urls,
    strip_latex,
)
from topics.config import CleanConfig

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

ONLY = {
    name: CleanConfig(
        unicode="NFKC" if name == "unicode" else "none",
        **{rule: rule == name for rule in CleanConfig.model_fields if rule != "unicode"},
    )
    for name in CleanConfig.model_fields
}


def archive_abstracts(archive: Path, *categories: str) -> list[str]:
    """Abstracts of small archive files, read as they are (LaTeX, trailing spaces)."""
    frames = [
        pd.read_csv(
            archive / f"{c}.20200101dump.tsv.xz", sep="\t", dtype=str, keep_default_na=False
        )
        for c in categories
    ]
    return pd.concat(frames)["abstract"].tolist()


# --------------------------------------------------------------------------- Unicode


def test_clean_unicode_nfkc_folds_pdf_ligatures_and_spaces() -> None:
    # Seed 000 line 13 as a PDF copy renders it: "fi" ligature, no-break space, full-width "C".
    assert normalize_unicode("improve fairness of medical classi\ufb01ers", "NFKC") == (
        "improve fairness of medical classifiers"
    )
    assert normalize_unicode("7.7%\u00a0prediction accuracy", "NFKC") == "7.7% prediction accuracy"
    assert normalize_unicode("\uff23IFAR-10", "NFKC") == "CIFAR-10"


def test_clean_unicode_nfc_composes_accents_but_keeps_ligatures() -> None:
    # Seed 000 line 50, author "Tomáš Souček", decomposed as some exports write it.
    decomposed = unicodedata.normalize("NFD", "Tomáš Souček")
    assert decomposed != "Tomáš Souček"
    assert normalize_unicode(decomposed, "NFC") == "Tomáš Souček"
    assert normalize_unicode("classi\ufb01ers", "NFC") == "classi\ufb01ers"


def test_clean_unicode_none_leaves_text() -> None:
    text = unicodedata.normalize("NFD", "Tomáš Souček") + " classi\ufb01ers"
    assert normalize_unicode(text, "none") == text
    assert clean_text(text, CleanConfig(unicode="none")) == text


# --------------------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("source", "latex", "expected"),
    [
        (
            "seed 000 line 31",
            r"such as $\ell_p$-norm bounded perturbations of a given $p$-norm.",
            "such as ℓp-norm bounded perturbations of a given p-norm.",
        ),
        (
            "seed 000 line 101",
            r"against $\ell_\infty$ and $\ell_2$ norm-bounded perturbations of size $ε= 8/255$ and",
            "against ℓ∞ and ℓ2 norm-bounded perturbations of size ε= 8/255 and",
        ),
        (
            "seed 004 line 33",
            r"structure factor, S(Q, $ω$), with inelastic neutron",
            "structure factor, S(Q, ω), with inelastic neutron",
        ),
        (
            "seed 004 line 33",
            r"spin-1 antiferromagnet La$_2$NiO$_4$.",
            "spin-1 antiferromagnet La2NiO4.",
        ),
        (
            "seed 001 line 6",
            r"namely ``continual representation learning'', which focuses",
            'namely "continual representation learning", which focuses',
        ),
        ("seed 002 line 30", r"operates on the Poincar\'e ball model", "Poincaré ball model"),
        ("seed 002 line 116", r"explaining 90\% of the pixel variance", "90% of the pixel"),
        ("seed 000 line 143", r"levels (e.g.~trading off spatial", "(e.g. trading off"),
        ("seed 002 line 36", r"show that using \laurel can help", "using laurel can help"),
        (
            "arXiv 1512.00792",
            r"by defining the \emph{microclustering property} and introducing",
            "by defining the microclustering property and introducing",
        ),
        (
            "arXiv 1504.05556",
            r"A recent result of Moshkovitz \cite{Moshkovitz14} presented an ingenious method",
            "A recent result of Moshkovitz presented an ingenious method",
        ),
        (
            "arXiv 1311.3045",
            r"which can return an $\epsilon$-KKT solution of the NP-hard $\ell_q$-minimization",
            "which can return an ϵ-KKT solution of the NP-hard ℓq-minimization",
        ),
        (
            "arXiv 1306.1595",
            r"to prove $\mathcal{O}(\log n)$ bounds where $\mathcal{O}(\sqrt{n})$ was",
            "to prove O(log n) bounds where O(√(n)) was",
        ),
        ("arXiv 1502.0659", r"the edges of an Erd\"os-Renyi random graph", "an Erdös-Renyi random"),
        ("arXiv 1811.03831", r"is $\beta$-H\"{o}lder continuous.", "is β-Hölder continuous."),
    ],
)
def test_clean_latex_becomes_readable_text(source: str, latex: str, expected: str) -> None:
    assert expected in strip_latex(latex), source


def test_clean_latex_maths_letters_fold_under_nfkc() -> None:
    # Seed 000 line 31 through the whole pipeline: NFKC turns ℓ into l, so "lp-norm".
    text = r"robust to multiple threats, such as $\ell_p$-norm bounded perturbations."
    assert clean_text(text) == "robust to multiple threats, such as lp-norm bounded perturbations."


@pytest.mark.parametrize(
    "text",
    [
        "unbalanced $ dollar: the method costs 5$ per run and $x",
        "$$unbalanced display",
        r"trailing backslash \\",
        r"an \href{broken",
        r"\frac{1}{",
        "$",
        "",
    ],
)
def test_clean_latex_never_crashes_on_broken_markup(text: str) -> None:
    assert isinstance(strip_latex(text), str)
    assert isinstance(clean_text(text), str)


def test_clean_latex_keeps_escaped_dollars_and_braces() -> None:
    assert strip_latex(r"costs \$5 per run") == "costs $5 per run"
    assert strip_latex(r"for $x \in \{0,1\}^n$") == "for x ∈ {0,1}^n"


def test_clean_latex_switched_off_keeps_markup() -> None:
    text = r"such as $\ell_p$-norm bounded perturbations (e.g.~trading off)"
    assert clean_text(text, CleanConfig(latex=False)) == text
    assert clean_text(text) == "such as lp-norm bounded perturbations (e.g. trading off)"


# --------------------------------------------------------------------------- URLs, e-mails


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        (
            "seed 001 line 47",
            "Code is available at www.robots.ox.ac.uk/~vgg/research/DVE/.",
            "Code is available.",
        ),
        (
            "arXiv 1407.3487",
            "Collective Tuning Infrastructure (CTI, http://cTuning.org) that can distribute",
            "Collective Tuning Infrastructure (CTI) that can distribute",
        ),
        (
            "arXiv 1306.5715",
            "SeqMiner is distributed on CRAN (cran.r-project.org/web/packages/seqminer).",
            "SeqMiner is distributed on CRAN.",
        ),
        (
            "seed 002 line 326",
            "Dataset can be downloaded at: mmlab.ie.cuhk.edu.hk/projects/WIDERFace",
            "Dataset can be downloaded",
        ),
        (
            "arXiv 1711.08078",
            "available at the HTMoL website http://htmol.tripplab.com. Supplementary data",
            "available at the HTMoL website. Supplementary data",
        ),
    ],
)
def test_clean_urls_removed_without_dangling_words(source: str, text: str, expected: str) -> None:
    assert normalize_whitespace(remove_urls(text)) == expected, source


def test_clean_urls_leave_dotted_names_alone() -> None:
    # Category names and file names are not addresses.
    text = "We study cs.AI and stat.ML papers, Node.js apps and e.g. the i.i.d. case."
    assert remove_urls(text) == text


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        (
            "arXiv 0808.3399",
            "are confirmed using real-time PCRs. Contact: wuw2@upmc.edu ",
            "PCRs.",
        ),
        (
            "arXiv 1306.2597",
            "about the datasets, please kindly email us (letor@microsoft.com). Our goal is",
            "about the datasets, please kindly email us. Our goal is",
        ),
    ],
)
def test_clean_emails_removed_with_lead_in(source: str, text: str, expected: str) -> None:
    assert normalize_whitespace(remove_emails(text)).endswith(expected), source
    assert "@" not in remove_emails(text)


def test_clean_urls_and_emails_switch_off() -> None:
    text = "Contact: wuw2@upmc.edu and see http://cTuning.org for the tools"
    config = CleanConfig(urls=False, emails=False, boilerplate=False)
    assert clean_text(text, config) == text


# --------------------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    ("source", "content", "boilerplate"),
    [
        (
            "seed 002 line 6",
            "Extensive experiments on WebVid-10M, DTDB and MSR-VTT datasets demonstrate the "
            "effectiveness of our TRIP for image-to-video generation.",
            "Please see our project page at https://trip-i2v.github.io/TRIP/.",
        ),
        (
            "seed 004 line 6",
            "Hence, FlexiViT training is a simple drop-in improvement for ViT.",
            "Code and pre-trained models are available at https://github.com/google-research/big_vision",
        ),
        (
            "seed 004 line 3",
            "Finally, we push the batch size to the extreme, up to one million.",
            "We release our models at https://github.com/google-research/big_vision and hope our "
            "research motivates further explorations in improving the quality and efficiency of "
            "language-image pre-training.",
        ),
        (
            "seed 000 line 80",
            "There have been many works assessing the robustness of watermarking.",
            "Our code and further resources are publicly available.",
        ),
        (
            "seed 002 line 280",
            "We evaluate across models and datasets.",
            "Code and checkpoints will be released.",
        ),
        (
            "seed 002 line 340",
            "We present the dataset in detail.",
            "Project webpage: https://cmp.felk.cvut.cz/univ_emb/",
        ),
        (
            "seed 002 line 120",
            "We study model replacement.",
            "Code available at: https://github.com/miccunifi/iamcl2r.",
        ),
        (
            "seed 002 line 12",
            "It learns directly from RGB images.",
            "Find videos and code at https://residual-assembly.github.io.",
        ),
        (
            "arXiv 1212.3884",
            "We test the tool.",
            "The source code of our tool is publicly available.",
        ),
        ("arXiv 1907.08048", "We fit the model.", "Our software is available upon request."),
        ("arXiv 1711.08078", "It runs in a browser.", "Supplementary data are available online."),
        (
            "arXiv 1212.5895",
            "We show the semantics is sound.",
            "To appear in Theory and Practice of Logic Programming (TPLP).",
        ),
        (
            "arXiv cs/0508004",
            "Inadmissible calls are important.",
            "This paper has been accepted to appear in Theory and Practice of Logic Programming.",
        ),
        (
            "arXiv 1902.01626",
            "Robots face challenges in the real-world.",
            "Copyright 20XX IEEE. Personal use of this material is permitted. Permission from "
            "IEEE must be obtained for all other uses, in any current or future media.",
        ),
        ("arXiv 1411.0919", "It informs the process of peer review.", "(C) 2013 S. Kern"),
    ],
)
def test_clean_boilerplate_sentences_removed(source: str, content: str, boilerplate: str) -> None:
    assert remove_boilerplate(f"{content} {boilerplate} ") == content, source


def test_clean_boilerplate_copyright_notice_inside_a_sentence() -> None:
    # arXiv 1811.05827 and 1604.05492: the notice is glued to, or inside, a content sentence.
    elsevier = (
        "Yet, enhancing the dimension of product usability can more effectively improve the "
        "product (C) 2015 Elsevier Ltd. All rights reserved. "
    )
    assert remove_boilerplate(elsevier).endswith("more effectively improve the product")
    exensa = (
        "In this paper, we propose the Count-Min Tree Sketch (Copyright 2016 eXenSa. All rights "
        "reserved) variant with pyramidal counters."
    )
    assert clean_text(exensa) == (
        "In this paper, we propose the Count-Min Tree Sketch variant with pyramidal counters."
    )


@pytest.mark.parametrize(
    ("source", "sentence"),
    [
        (
            "arXiv 1901.01538",
            "Many approaches in the literature do black-box testing, as the tested API is a "
            "remote service whose code is not available.",
        ),
        (
            "arXiv 1305.0596",
            "A publicly available benchmark dataset REDD is employed for evaluation purposes.",
        ),
        (
            "arXiv 1808.00057",
            "Endoscopic video is a passive sensor that is freely available, in the sense that "
            "any minimally-invasive procedure already utilizes it.",
        ),
        (
            "arXiv 1307.8269",
            "The work is presented in the context of the WebdamLog language, an extension of "
            "datalog to a distributed context.",
        ),
        (
            "arXiv 1911.06813",
            "Large datasets may not be available for a study of each disorder, or rare "
            "disorder types or sub-populations may not warrant for them.",
        ),
        ("arXiv 1103.3802", "Copyright protection has become a need in today's world."),
        (
            "arXiv 1807.10311",
            "While state-of-the-art ASR software is freely available, the language dependent "
            "acoustic models are lacking for languages other than English.",
        ),
        (
            "arXiv 1912.03072",
            "Although several datasets, such as ASSISTments, Junyi Academy, Synthetic and "
            "STATICS, are publicly available and widely used, they are not large enough.",
        ),
        (
            "seed 002 line 6",
            "Technically, the image noise prior is first attained through one-step backward "
            "diffusion process based on both static image and noised video latent codes.",
        ),
    ],
)
def test_clean_boilerplate_keeps_sentences_that_only_mention_code(
    source: str, sentence: str
) -> None:
    text = f"We propose a method. {sentence} It works well."
    assert remove_boilerplate(text) == text, source


def test_clean_boilerplate_switched_off_keeps_sentences() -> None:
    text = "We study model replacement. Our code is available at https://github.com/linlany/RAPF."
    assert clean_text(text, CleanConfig(boilerplate=False)) == (
        "We study model replacement. Our code is available."
    )
    assert clean_text(text, CleanConfig(boilerplate=False, urls=False)) == text


def test_clean_triggers_never_hide_a_sentence_and_agree_across_engines(
    archive_dir: Path,
) -> None:
    # A rule looks at a text only where its trigger matches; clean_texts tests
    # triggers with RE2, clean_text with Python's re. On real abstracts, every
    # text the rule would change must match, and both engines must agree.
    texts = [
        strip_latex(a) for a in archive_abstracts(archive_dir, "cs.GL", "cs.OS", "cs.MS", "cs.SC")
    ]
    array = pa.array(texts, pa.large_string())
    lowered = pc.utf8_lower(array)
    for trigger, rule in [
        (clean._BOILERPLATE_TRIGGER, clean._remove_boilerplate),
        (clean._URL_TRIGGER, clean._remove_urls),
    ]:
        in_python = [trigger.search(text) for text in texts]
        assert trigger.matching(array, lowered).tolist() == in_python
        changed = [rule(text) != text for text in texts]
        assert sum(changed) > 10
        assert all(hit for hit, change in zip(in_python, changed, strict=True) if change)


# --------------------------------------------------------------------------- hyphenation, spaces


@pytest.mark.parametrize(
    ("copied", "expected"),
    [
        # Seed 000 lines 31, 38 and 17, broken across lines as a PDF copy would.
        ("robust to a specific threat or adver-\nsary, such as", "adversary, such as"),
        ("Adversarial training is generally used as a defense mecha-\nnism", "defense mechanism"),
        ("generalisation. This can exacer-\nbate bias against groups", "can exacerbate bias"),
        # Real hyphens stay: seed 000 lines 115, 101 and 108.
        ("by using self-\nsupervised learning on", "by using self-supervised learning on"),
        ("compared to previous state-of-the-\nart methods", "previous state-of-the-art methods"),
        ("the 80 Million Tiny Images dataset (TI-\n80M)", "(TI-80M)"),
        (
            "model trained with adversarial training; adver-\nsarial examples",
            "; adversarial examples",
        ),
    ],
)
def test_clean_hyphenation_across_line_breaks(copied: str, expected: str) -> None:
    assert expected in join_hyphenated_line_breaks(copied)


def test_clean_hyphenation_switched_off() -> None:
    text = "robust to a specific threat or adver-\nsary"
    assert (
        clean_text(text, CleanConfig(hyphenation=False))
        == "robust to a specific threat or adver- sary"
    )
    assert clean_text(text) == "robust to a specific threat or adversary"


def test_clean_whitespace_collapses_archive_spacing() -> None:
    # Every archive abstract ends with a space; the arXiv metadata wraps lines.
    text = "NCs are the natural evolution of PCs,\n  ubiquitous computers everywhere.\tThe current "
    assert normalize_whitespace(text) == (
        "NCs are the natural evolution of PCs, ubiquitous computers everywhere. The current"
    )
    assert (
        normalize_whitespace("soft\u00adhyphen and zero\u200bwidth") == "softhyphen and zerowidth"
    )
    assert clean_text(text, CleanConfig(whitespace=False)) == text


# Seed 000 line 31 with every kind of noise a source adds.
NOISY = (
    r"We study $\ell_p$-norm adver-" + "\n" + "sarial classi\ufb01ers.  Contact: wuw2@upmc.edu "
    "Code is available at https://github.com/x/y."
)
ALL_OFF = CleanConfig(unicode="none", **{rule: False for rule in ONLY if rule != "unicode"})


def test_clean_all_rules_off_returns_text_unchanged() -> None:
    assert clean_text(NOISY, ALL_OFF) == NOISY
    assert clean_texts([NOISY], ALL_OFF) == [NOISY]


@pytest.mark.parametrize("rule", list(CleanConfig.model_fields))
def test_clean_each_rule_runs_alone(rule: str) -> None:
    assert clean_text(NOISY, ONLY[rule]) != NOISY
    assert clean_texts([NOISY], ONLY[rule]) == [clean_text(NOISY, ONLY[rule])]


# --------------------------------------------------------------------------- pipeline


def test_clean_texts_matches_clean_text_on_seeds_and_archive(archive_dir: Path) -> None:
    seeds = [
        line
        for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line) > 300
    ]
    texts = seeds + archive_abstracts(archive_dir, "cs.GL", "cs.OS")
    texts = [*texts, texts[0]]  # a repeated abstract is cleaned once, returned twice
    cleaned = clean_texts(texts)
    assert cleaned == [clean_text(t) for t in texts]
    assert cleaned[-1] == cleaned[0]
    for text in cleaned:
        assert text == text.strip()
        assert "  " not in text
        assert not re.search(r"https?://|\$[^$]+\$|\\emph|\\cite", text), text


def test_clean_texts_empty_and_generators() -> None:
    assert clean_texts([]) == []
    assert clean_texts(t for t in ["A  b ", "A  b "]) == ["A b", "A b"]


def test_clean_text_does_not_change_the_seed_abstract_it_reads() -> None:
    line = (SEEDS / "000_8617d9ae6e1c7cf9.txt").read_text(encoding="utf-8").splitlines()[30]
    before = str(line)
    cleaned = clean_text(line)
    assert line == before
    assert r"$\ell_p$" in line
    assert "lp-norm" in cleaned
