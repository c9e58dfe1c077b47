"""Reading a directive: from its own text to proposed tasks (issue 16, Đ7.1a).

A small rule-based reader of Vietnamese administrative prose; nothing is stored, the Office
specialist checks, corrects and saves. The parts:

- ``text``: the normaliser (diacritics-insensitive folding that keeps offsets, name keys);
- ``segment``: where tasks start and end (numbered items, sentences, assignment words);
- ``units``: lead and cooperating units, lists, groups, matched to this installation's units
  and the aliases the admins keep on the Units screen;
- ``dates``: deadlines on the province's working-day calendar and update frequencies;
- ``files``: the text of an uploaded .docx or .pdf.

How a list of leads becomes tasks: a task has exactly one lead unit (domain.md), so "Giao các
Sở: Tài chính, Xây dựng hướng dẫn …" proposes one task per named unit, each with the same
content, cooperating units and deadline. A group ("các sở, ban, ngành tỉnh", "UBND các huyện,
thành phố") is one task whose ``lead_group`` holds the words as written and whose lead unit
is left for the specialist to pick (they may expand it into one task per unit).

A restatement is merged: a task without a deadline whose words start with "phối hợp" (a
general call to work together, as in a headline "Chủ tịch UBND tỉnh yêu cầu Giám đốc Sở Công
Thương … phối hợp …") is dropped when the same unit leads another task of the document.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import dates, segment
from .text import fold, normalise_space
from .units import Party, UnitCatalog, UnitRecord

__all__ = ["ProposedTask", "UnitCatalog", "UnitRecord", "extract"]

_WORD = re.compile(r"(?<![a-z0-9])[a-z]+")
_GROUP_WORD = re.compile(r"\bcac")  # "các", also glued to the next word ("cácsở")
MAX_TEXT = 200_000  # characters: about sixty pages, far beyond a directive


@dataclass
class ProposedTask:
    content: str
    source_text: str
    lead_unit_id: int | None = None
    lead_unit_name: str | None = None
    lead_group: str | None = None
    cooperating_unit_ids: list[int] = field(default_factory=list)
    cooperating_unit_names: list[str] = field(default_factory=list)
    deadline: dt.date | None = None
    deadline_text: str | None = None
    update_frequency: str | None = None
    # Where the task was read (offsets in the normalised text), for highlighting.
    start: int = 0
    end: int = 0

    def as_dict(self) -> dict:
        return {
            "content": self.content, "source_text": self.source_text,
            "lead_unit_id": self.lead_unit_id, "lead_unit_name": self.lead_unit_name,
            "lead_group": self.lead_group, "cooperating_unit_ids": self.cooperating_unit_ids,
            "cooperating_unit_names": self.cooperating_unit_names,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text, "update_frequency": self.update_frequency,
        }


@dataclass
class _Anchor:
    start: int  # where the task's words begin
    parties: list[Party]
    parties_end: int  # after the addressees (and "chủ trì")
    end: int = 0  # set once the next anchor is known


def prepare(text: str) -> str:
    """The text the parser reads: NBSP and tabs as spaces, Windows line ends as \\n, runs of
    spaces collapsed (line breaks kept: they separate items)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", " ")
    lines = [normalise_space(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def extract(text: str, issued_on: dt.date, catalog: UnitCatalog, cal) -> list[ProposedTask]:
    """The tasks a directive assigns, as proposals, in the order of the text."""
    text = prepare(text)
    folded = fold(text)
    tasks: list[ProposedTask] = []
    block_spans = segment.blocks(folded)
    parent: _Anchor | None = None
    for index, block in enumerate(block_spans):
        introduction = segment.is_introduction(folded, block, block_spans[index + 1:])
        first = True
        for sentence in segment.sentences(text, block):
            body_start = segment.number_end(folded, sentence.start) if first else sentence.start
            if first and body_start >= sentence.end:
                continue  # "Điều 2." alone: the item's words are in the next sentence
            numbered = first and bool(segment.NUMBER.match(folded, block.start))
            anchors = _anchors(folded, text, sentence, body_start, catalog, numbered)
            if not anchors and numbered and parent is not None:
                # "- Chủ trì …" under "1. Sở Y tế:": the item's addressee is its parent's.
                lead = segment.LEAD_MARK.match(folded, body_start)
                anchors = [_Anchor(body_start, parent.parties, lead.end() if lead else body_start,
                                   sentence.end)]
            elif anchors and numbered:
                parent = None
            first = False
            if not anchors:
                _complete_previous(tasks, folded, text, sentence, issued_on, cal)
                continue
            for anchor in anchors:
                if introduction or _introduces_items(folded, anchor):
                    parent = anchor  # "1. Sở Y tế:" — its tasks are the items below
                    continue
                tasks.extend(_tasks_of(anchor, folded, text, sentence, issued_on, catalog, cal))
    return _merge_restatements(tasks)


def _introduces_items(folded: str, anchor: _Anchor) -> bool:
    """An addressee followed only by ":" ("1. Sở Y tế:", "Giao các sở, ngành:") names the
    unit of the items that follow."""
    return folded[anchor.parties_end:anchor.end].strip() == ":"


def _anchors(folded, text, sentence, body_start, catalog, numbered) -> list[_Anchor]:
    found: list[_Anchor] = []
    taken: list[tuple[int, int]] = []

    def free(start, end):
        return not any(a < end and start < b for a, b in taken)

    # Assignment words with their addressee: "Giao …", "Yêu cầu …", "Đề nghị …".
    for m in segment.ASSIGN.finditer(folded, body_start, sentence.end):
        parties, end = catalog.parties_at(folded, text, m.end())
        if not parties:  # "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh …"
            unknown = _unknown_addressee(folded, text, m.end(), sentence.end, catalog, limit=100)
            parties, end = ([unknown], unknown.end) if unknown else ([], end)
        if parties and free(m.start(), end):
            lead = segment.LEAD_MARK.match(folded, end)
            found.append(_Anchor(m.start(), parties, lead.end() if lead else end))
            taken.append((m.start(), end))
    # Runs of names: "X chủ trì", or a subject at the start followed by an action verb.
    intro = segment.INTRO.match(folded, body_start)
    subject_starts = {body_start, intro.end() if intro else body_start}
    resume = body_start
    for word in _WORD.finditer(folded, body_start, sentence.end):
        pos = word.start()
        if pos < resume or word.group() not in catalog.first_words:
            continue
        parties, end = catalog.parties_at(folded, text, pos)
        if not parties:
            continue
        resume = end
        if free(pos, end):
            lead = segment.LEAD_MARK.match(folded, end)
            units = [p for p in parties if not p.group]
            if lead and units:
                found.append(_Anchor(units[0].start, parties, lead.end()))
                taken.append((pos, lead.end()))
            elif pos in subject_starts and segment.verb_follows(folded, end):
                found.append(_Anchor(pos, parties, end))
                taken.append((pos, end))
    # A numbered item that starts with an addressee the lexicon does not know.
    if numbered and not any(a.start == body_start for a in found):
        party = _unknown_addressee(folded, text, body_start, sentence.end, catalog)
        if party and free(body_start, party.end):
            found.append(_Anchor(body_start, [party], party.end))
    found.sort(key=lambda a: a.start)
    for current, following in zip(found, [*found[1:], None], strict=False):
        current.end = following.start if following else sentence.end
    return found


def _unknown_addressee(folded, text, start, end, catalog, limit=160) -> Party | None:
    """An agency the lexicon does not know, written before the task's verb: "Ban vì sự tiến
    bộ phụ nữ các sở … căn cứ …", "Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phối hợp …"
    (a capitalised agency word, then the words up to the first action verb)."""
    if start >= end or not text[start].isupper() or not segment.AGENCY_START.match(folded, start):
        return None
    verb = segment.verb_after(folded, start, end, limit)
    if verb is None:
        return None
    written = text[start:verb].rstrip(" ,-–:")
    stop = start + len(written)
    if _GROUP_WORD.search(folded, start, stop):
        return Party(start, stop, written, group=True)
    name, unit_id = catalog.resolve(written)
    return Party(start, stop, name, unit_id=unit_id)


def _tasks_of(anchor, folded, text, sentence, issued_on, catalog, cal) -> list[ProposedTask]:
    units = [p for p in anchor.parties if not p.group]
    groups = [p for p in anchor.parties if p.group]
    # Cooperating units: "phối hợp (với) …", "cùng …" after the addressee.
    cooperating: list[Party] = []
    content_start = anchor.parties_end
    for m in segment.COOPERATE.finditer(folded, anchor.parties_end, anchor.end):
        parties, end = catalog.parties_at(folded, text, m.end())
        named = [p for p in parties if not p.group]
        if parties and folded[anchor.parties_end:m.start()].strip(" ,") == "":
            content_start = end
        cooperating.extend(named)
        if parties:
            break
    content = _clean(text[content_start:anchor.end])
    deadlines = dates.find_deadlines(folded, anchor.start, anchor.end, issued_on, cal)
    base = ProposedTask(content=content, source_text=_clean(text[anchor.start:anchor.end],
                                                            keep_case=True),
                        start=anchor.start, end=anchor.end)
    _apply_deadlines(base, deadlines, folded, text, min(content_start, anchor.end))
    if base.update_frequency is None:
        base.update_frequency = dates.find_frequency(folded[anchor.start:anchor.end])
    lead_ids = {p.unit_id for p in units}
    seen = set()
    for p in cooperating:
        if p.name in seen or (p.unit_id is not None and p.unit_id in lead_ids) \
                or p.name in {u.name for u in units}:
            continue
        seen.add(p.name)
        base.cooperating_unit_names.append(p.name)
        if p.unit_id is not None:
            base.cooperating_unit_ids.append(p.unit_id)
    if not units:
        base.lead_group = text[groups[0].start:groups[-1].end] if groups else None
        return [base]
    out = []
    for unit in units:
        task = ProposedTask(**{**base.__dict__, "cooperating_unit_ids": list(base.cooperating_unit_ids),
                               "cooperating_unit_names": list(base.cooperating_unit_names)})
        task.lead_unit_name, task.lead_unit_id = unit.name, unit.unit_id
        out.append(task)
    return out


def _apply_deadlines(task: ProposedTask, deadlines, folded, text, floor) -> None:
    one_off = [d for d in deadlines if d.day is not None and d.rule != "recurring"]
    recurring = [d for d in deadlines if d.rule == "recurring"]
    if recurring and task.update_frequency is None:
        task.update_frequency = recurring[0].frequency
    chosen = max(one_off, key=lambda d: d.day) if one_off else (recurring[0] if recurring else None)
    if chosen is None:
        return
    start = dates.clause_start(folded, chosen.start, floor)
    task.deadline_text = text[start:chosen.end].strip()
    task.deadline = chosen.day


def _complete_previous(tasks, folded, text, sentence, issued_on, cal) -> None:
    """A sentence without an addressee that sets a deadline ("Hoàn thành trước ngày …",
    "Trình UBND tỉnh trước ngày …") completes the task read just before it."""
    if not tasks:
        return
    deadlines = dates.find_deadlines(folded, sentence.start, sentence.end, issued_on, cal)
    if not deadlines:
        return
    last = tasks[-1]
    siblings = [t for t in tasks if t.start == last.start]  # one task per listed lead
    if any(t.deadline is not None for t in siblings):
        return
    for task in siblings:
        _apply_deadlines(task, deadlines, folded, text, sentence.start)
        task.end = sentence.end
        task.source_text = _clean(text[task.start:sentence.end], keep_case=True)


def _merge_restatements(tasks: list[ProposedTask]) -> list[ProposedTask]:
    kept = []
    for task in tasks:
        restates = (task.deadline is None and task.lead_unit_name
                    and fold(task.content).startswith("phoi hop")
                    and any(o is not task and o.lead_unit_name == task.lead_unit_name
                            for o in tasks))
        if not restates:
            kept.append(task)
    return kept


def _clean(words: str, keep_case: bool = False) -> str:
    """Trim the connecting punctuation and the closing "./." of a piece of text."""
    words = words.strip().strip(",;:-– ").strip()
    for closing in ("./.", "/.", "."):
        if words.endswith(closing):
            words = words[:-len(closing)].rstrip()
            break
    if words.startswith(("chủ trì", "Chủ trì")):
        words = words[len("chủ trì"):].lstrip(" ,")
    if not keep_case and words:
        words = words[0].upper() + words[1:]
    return words
