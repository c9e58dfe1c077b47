"""Where tasks start and end in a directive.

1. Blocks: numbered items (1., 2., a), b), I., II., "Điều 2.") and dashes, at a line start
   or after ":" ";" "." in running text.
2. Sentences inside a block (". " before a capital letter).
3. Anchors inside a sentence, where a task begins:
   - an assignment word followed by its addressee: "Giao …", "giao cho …", "Yêu cầu …",
     "Đề nghị …", "chỉ đạo …" ("đề nghị của …", "theo yêu cầu" name no addressee: no task);
   - a unit followed by "chủ trì" ("Sở Kế hoạch và Đầu tư chủ trì, phối hợp với …");
   - a unit or group that begins the sentence (or a numbered item, or follows an opening
     clause such as "Sau khi …,") and is followed by an action verb ("Sở Kế hoạch và Đầu tư
     tổng hợp …", "các cơ quan, đơn vị định kỳ đánh giá …");
   - a numbered item that begins with an agency name the parser does not know ("2. Ban vì sự
     tiến bộ phụ nữ các sở … căn cứ …"): the words before the verb are its addressee.
   A task runs from its anchor to the next anchor or the end of the sentence. A sentence
   without an anchor that holds a deadline ("Hoàn thành trước ngày 11/11/2023.") completes the
   task before it; other sentences (context, cited documents) are left out.
4. A block that only introduces a list (it ends with ":" and numbered items follow) is not a
   task itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = (r"(?:(?:dieu|muc|phan)\s+\d+\s*[.:]|(?:\d{1,2}|[ivx]{1,4})\s*[.)]|[a-z]\s*\)|[\-–•+])"
           r"(?=\s+\S)")
ITEM = re.compile(r"(?:^|(?<=[\n:;.]))[ \t]*" + _NUMBER)
NUMBER = re.compile(_NUMBER)  # the item's number or dash itself, at a block's start
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:/\.)?\s+(?=[\"“(]?[A-ZĐÀ-Ỹ])|\n+")
ASSIGN = re.compile(r"\b(?:giao cho|giao|yeu cau|de nghi|chi dao)\b\s*:?\s*")
LEAD_MARK = re.compile(r"\s*,?\s*(?:chu tri|lam dau moi|la co quan chu tri)\b")
COOPERATE = re.compile(r"\b(?:phoi hop(?:\s+chat che)?(?:\s+voi)?|cung(?:\s+voi)?)\b\s*:?\s*")
INTRO = re.compile(r"(?:sau khi|tren co so|can cu|theo do|de|nham|dong thoi|ngoai ra|"
                   r"trong do|truoc mat|tiep theo)\b[^,.;]{0,200},\s*")
ACTION_VERBS = (
    "chu dong", "tong hop", "tham muu", "xay dung", "huong dan", "kiem tra", "ra soat",
    "theo doi", "trien khai", "to chuc", "thuc hien", "bao cao", "co trach nhiem",
    "chiu trach nhiem", "khan truong", "nghien cuu", "de xuat", "trinh", "dinh ky", "can cu",
    "tien hanh", "danh gia", "cap nhat", "tham dinh", "giai quyet", "tra loi", "xu ly", "lap",
    "phoi hop", "quan triet", "dam bao", "tang cuong", "day nhanh", "hoan thanh", "hoan thien",
    "chuan bi", "du thao", "soan thao", "thong ke", "giam sat", "tuyen truyen", "cong bo",
    "bo tri", "phan bo", "tiep nhan", "chi dao", "nghiem tuc", "tiep tuc", "sap xep", "cung cap",
    "gui", "ban hanh", "don doc", "thanh tra", "khac phuc", "ho tro", "lam viec", "tap trung",
    "uu tien", "chi dao", "thuong xuyen", "huong dan", "tham gia", "-", "–", ":",
)
# How the name of an agency (or of a group of them) begins, for addressees the lexicon does
# not know: "Ban vì sự tiến bộ phụ nữ …", "Trung tâm Phục vụ hành chính công …".
AGENCY_START = re.compile(
    r"(?:so|ban|uy ban|ubnd|van phong|phong|trung tam|cuc|chi cuc|hoi|doan|cong an|bo|dai|"
    r"truong|benh vien|thanh tra|kho bac|ngan hang|quy|lien minh|lien doan|toa an|vien|cac|"
    r"thu truong|giam doc|chu tich|to|tong cong ty|cong ty|hoi dong)(?![a-z])")
_VERB = re.compile(r"\s*,?\s*(?:" + "|".join(re.escape(v) for v in ACTION_VERBS) + r")(?![a-z])")


_WORD_START = re.compile(r"(?<![a-z0-9])(?=[a-z\-–])")
_LAST_WORD = re.compile(r"(\S+)\.$")


@dataclass
class Span:
    start: int
    end: int


def blocks(folded: str) -> list[Span]:
    """The numbered items and dashes of the text, or the whole text when it has none. The
    item's own number stays in the block (it is stripped from the task later)."""
    starts = [m.start() + (len(m.group()) - len(m.group().lstrip())) for m in ITEM.finditer(folded)
              if _item_ok(folded, m)]
    cuts = sorted({0, *starts})
    spans = [Span(a, b) for a, b in zip(cuts, [*cuts[1:], len(folded)], strict=True)]
    return [s for s in spans if folded[s.start:s.end].strip()]


def _item_ok(folded: str, m: re.Match) -> bool:
    """A number followed by "." only starts an item when no digit precedes it (not a date
    "10.12.2023" nor "1.5 ha") and a dash only when it is not between words ("Lao động -
    Thương binh")."""
    before = folded[max(0, m.start() - 1):m.start()]
    token = m.group().strip()
    if token in "-–•+":
        return m.start() == 0 or folded[m.start() - 1] in "\n:;" or before == "\n"
    return not before.isdigit()


def sentences(text: str, span: Span) -> list[Span]:
    """The sentences of a block (cuts before a capital after . ! ? and at line breaks)."""
    cuts = [span.start]
    for m in _SENTENCE_END.finditer(text, span.start, span.end):
        if _abbreviation_before(text, m.start()):
            continue
        cuts.append(m.end())
    cuts.append(span.end)
    return [Span(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]


def _abbreviation_before(text: str, pos: int) -> bool:
    """"TP. Bến Tre", "Th.S", "TS.": a dot after a short capitalised abbreviation."""
    word = _LAST_WORD.search(text[max(0, pos - 8):pos].rstrip())
    return bool(word and word.group(1) in {"TP", "Tp", "TX", "Tx", "TS", "ThS", "Th.S", "PGS",
                                          "GS", "Q", "P", "X", "H", "ông", "bà", "Ô", "B"})


def number_end(folded: str, pos: int) -> int:
    """After the item number or dash at ``pos`` (the task's words start there)."""
    m = NUMBER.match(folded, pos)
    if m:
        pos = m.end()
    while pos < len(folded) and folded[pos] in " \t":
        pos += 1
    return pos


def is_introduction(folded: str, block: Span, following: list[Span]) -> bool:
    """A block that ends with ":" and is followed by numbered items introduces them."""
    return bool(following) and folded[block.start:block.end].rstrip().endswith(":")


def verb_follows(folded: str, pos: int) -> bool:
    """An action verb (or the dash of a numbered item) comes right after ``pos``."""
    return bool(_VERB.match(folded, pos))


def verb_after(folded: str, pos: int, end: int, limit: int = 160) -> int | None:
    """The first action verb after ``pos`` within ``limit`` characters (for an addressee the
    parser does not know: "Ban vì sự tiến bộ phụ nữ … căn cứ …")."""
    for m in _WORD_START.finditer(folded, pos + 1, min(end, pos + limit)):
        if _VERB.match(folded, m.start()) and folded[m.start() - 1] in " ,":
            return m.start()
    return None
