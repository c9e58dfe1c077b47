"""The Vietnamese normaliser: diacritics-insensitive, offset-preserving folding and the keys
that make "Sở KH&ĐT" and "Sở Kế hoạch và Đầu tư" the same name.

``fold`` maps every character to exactly one character (``"Ủy ban"`` → ``"uy ban"``), so a
match found in the folded text sits at the same offsets in the original: the parser searches
folded text and reports the original words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Office abbreviations of agency names, folded. Each expands to the folded full words; "và",
# "&", "-" and "," are dropped from keys, so only the letters matter.
ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "ub": "uy ban",
    "bql": "ban quan ly",
    "vp": "van phong",
    "kh dt": "ke hoach dau tu", "khdt": "ke hoach dau tu",
    "tn mt": "tai nguyen moi truong", "tnmt": "tai nguyen moi truong",
    "nn ptnt": "nong nghiep phat trien nong thon", "nnptnt": "nong nghiep phat trien nong thon",
    "ptnt": "phat trien nong thon",
    "nn mt": "nong nghiep moi truong", "nnmt": "nong nghiep moi truong",
    "gtvt": "giao thong van tai", "gt vt": "giao thong van tai",
    "gd dt": "giao duc dao tao", "gddt": "giao duc dao tao",
    "ld tb xh": "lao dong thuong binh xa hoi", "ldtbxh": "lao dong thuong binh xa hoi",
    "vh tt dl": "van hoa the thao du lich", "vhttdl": "van hoa the thao du lich",
    "tt tt": "thong tin truyen thong", "tttt": "thong tin truyen thong",
    "kh cn": "khoa hoc cong nghe", "khcn": "khoa hoc cong nghe",
    "kt": "kinh te", "kcn": "khu cong nghiep", "kkt": "khu kinh te",
    "tp": "thanh pho", "tx": "thi xa",
}
# Longest abbreviations first, on word boundaries ("kh dt" before "kt").
_ABBREVIATION_RE = re.compile(r"\b(?:" + "|".join(
    re.escape(short) for short in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")\b")
_SEPARATORS = re.compile(r"[&\-–—,.;:/()]+|\bva\b")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


# ASCII capitals and the Latin letters Vietnamese uses (Latin-1, Extended-A/B, Extended
# Additional), each to its one folded character: str.translate is fast on a page of text.
_FOLD_TABLE = {code: _fold_char(chr(code))
               for block in (range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00))
               for code in block if _fold_char(chr(code)) != chr(code)}


def fold(text: str) -> str:
    """Lower case without diacritics, ``đ`` → ``d``, one character for one (same offsets)."""
    return text.translate(_FOLD_TABLE)


def normalise_space(text: str) -> str:
    """Collapse runs of white space (NBSP and line breaks included) into one space."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The comparison key of an agency name: folded, separators and "và" dropped, known
    abbreviations expanded. ``name_key("Sở KH&ĐT") == name_key("Sở Kế hoạch và Đầu tư")``."""
    words = _SPACES.sub(" ", _SEPARATORS.sub(" ", fold(name))).strip()
    if not words:
        return ""
    return _ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group()], words)


def words_pattern(name: str) -> str:
    """A regex over folded text for ``name``: any run of spaces or separators may stand
    between its words ("Kế hoạch và Đầu tư", "Kế hoạch - Đầu tư", "Kế hoạch & Đầu tư")."""
    words = [w for w in _SPACES.sub(" ", _SEPARATORS.sub(" ", fold(name))).split() if w]
    gap = r"(?:[\s&\-–—,]|\bva\b)+"
    return r"\b" + gap.join(re.escape(w) for w in words) + r"\b"
