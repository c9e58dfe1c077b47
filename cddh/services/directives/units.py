"""Who a directive names: agencies (by full name, abbreviation or an alias of this
installation), districts ("UBND huyện Ba Tri"), compressed lists ("các Sở: Tài chính, Xây
dựng", "UBND các huyện: Đakrông, Hải Lăng") and groups ("các sở, ban, ngành tỉnh").

Names are data: a lexicon of the agencies every province has (so a name the installation does
not know is still read in full), plus the installation's units, short names and the aliases
the admins add on the Units screen. A name is matched to a unit by its key (``name_key``) and,
failing that, by a fuzzy comparison of keys (rapidfuzz, a high threshold, so "Sở Tài chính"
never becomes "Sở Tư pháp").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .text import ABBREVIATIONS, fold, name_key, words_pattern

# The departments (sở) of a province, by the words after "Sở".
DEPARTMENTS = (
    "Kế hoạch và Đầu tư", "Tài chính", "Tài nguyên và Môi trường",
    "Nông nghiệp và Phát triển nông thôn", "Nông nghiệp và Môi trường", "Giao thông vận tải",
    "Xây dựng", "Công Thương", "Y tế", "Giáo dục và Đào tạo",
    "Lao động - Thương binh và Xã hội", "Văn hóa, Thể thao và Du lịch", "Văn hóa và Thể thao",
    "Du lịch", "Thông tin và Truyền thông", "Khoa học và Công nghệ", "Nội vụ", "Tư pháp",
    "Ngoại vụ", "Dân tộc và Tôn giáo",
)
# Other provincial agencies, by their full names.
AGENCIES = (
    "Thanh tra tỉnh", "Văn phòng Ủy ban nhân dân tỉnh", "Ban Quản lý Khu kinh tế tỉnh",
    "Ban Quản lý các khu công nghiệp tỉnh", "Ban Quản lý các khu công nghiệp", "Ban Dân tộc tỉnh",
    "Ban Dân tộc", "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh",
    "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "Đài Phát thanh và Truyền hình tỉnh", "Cục Thuế tỉnh",
    "Kho bạc Nhà nước tỉnh", "Bảo hiểm xã hội tỉnh", "Liên minh Hợp tác xã tỉnh",
    "Văn phòng Đoàn Đại biểu Quốc hội và Hội đồng nhân dân tỉnh",
)
# Phrases written short in agency names: each variant is also recognised.
_SHORT_FORMS = (("Ủy ban nhân dân", "UBND"), ("Ban Quản lý", "BQL"), ("Văn phòng", "VP"))
HEAD_WORDS = ("pho", "giam", "chu", "thu", "chanh", "truong", "cuc", "chi", "lanh")
HEAD_TITLES = r"(?:pho giam doc|giam doc|pho chu tich|chu tich|thu truong|chanh|truong|cuc truong|chi huy truong|lanh dao)"
DISTRICT_KINDS = {"huyen": "huyện", "thanh pho": "thành phố", "tp": "thành phố", "thi xa": "thị xã",
                  "tx": "thị xã", "quan": "quận", "xa": "xã", "phuong": "phường",
                  "thi tran": "thị trấn"}
_KIND = r"(huyen|thanh pho|tp\.?|thi xa|tx\.?|quan|thi tran|xa|phuong)"
_UBND = r"(?:ubnd|uy ban nhan dan)"
# Words of group addressees ("các sở, ban, ngành tỉnh", "UBND các huyện, thành phố"), longest
# first; "tổ chức" is left out on purpose: it is also the verb that follows a group.
GROUP_WORDS = sorted((
    "cac", "so", "ban nganh", "ban", "nganh", "doan the", "co quan", "don vi", "dia phuong",
    "huyen", "thi xa", "thanh pho", "quan", "tinh", "trung uong", "co lien quan", "lien quan",
    "tren dia ban tinh", "tren dia ban", "thuoc tinh", "truc thuoc", "ubnd", "uy ban nhan dan",
    "chu tich", "thu truong", "giam doc", "cap huyen", "cap xa", "cap tinh", "cac cap", "xa",
    "phuong", "thi tran", "tp", "tx", "hoi", "khac", "va", "sau day", "nha nuoc", "dang",
    "mat tran to quoc", "doan", "bo", "nganh trung uong", "lien quan khac",
), key=len, reverse=True)
_GROUP_NOUNS = {"so", "ban", "nganh", "ban nganh", "doan the", "co quan", "don vi", "dia phuong",
                "huyen", "thi xa", "thanh pho", "quan", "xa", "phuong", "thi tran", "hoi", "bo"}
_GROUP_TOKEN = re.compile(r"\s*(" + "|".join(re.escape(w) for w in GROUP_WORDS) + r"|[,;:])(?![a-z0-9])")
_GROUP_START = re.compile(rf"(?:{HEAD_TITLES}\s+)?(?:{_UBND}\s+)?cac\b")
# "cùng" is not a connector of addressees: "Giao Sở A cùng Sở B …" makes Sở B cooperate.
_CONNECTOR = re.compile(r"\s*(?:[,;]\s*(?:va\s+)?|va\s+)")
_HEAD = re.compile(HEAD_TITLES + r"\s+")
_DEPARTMENT_LIST = re.compile(r"cac so\s*:?\s*")
_DISTRICT_LIST = re.compile(rf"{_UBND}\s+cac\s+{_KIND}\s*:?\s*")
_DISTRICT = re.compile(rf"{_UBND}\s+{_KIND}\s+")
_LIST_SEPARATOR = re.compile(r"\s*(?:,|va)\s*")
_CAPITALISED = re.compile(r"[A-ZĐÀ-Ỹ][\wÀ-ỹ]*")


@dataclass
class Party:
    """One addressee as written: a named unit or a group."""

    start: int
    end: int
    name: str  # the full official name for a unit, the words as written for a group
    group: bool = False
    unit_id: int | None = None


@dataclass
class UnitRecord:
    id: int
    name: str
    names: list[str] = field(default_factory=list)  # name, short name, aliases


def _variants(name: str) -> set[str]:
    out = {name}
    for full, short in _SHORT_FORMS:
        out |= {v.replace(full, short) for v in out if full in v}
    return out


class UnitCatalog:
    """The names a directive may use, compiled once per set of units."""

    def __init__(self, units: list[UnitRecord] | tuple = ()):
        self.units = list(units)
        self._resolved: dict[str, tuple[str, int | None]] = {}
        self.by_key: dict[str, tuple[str, int | None]] = {}
        surfaces: set[str] = set()
        abbreviations = {}
        for short, full in ABBREVIATIONS.items():
            abbreviations.setdefault(full, []).append(short)
        self.department_bodies: dict[str, str] = {}  # body key → body as written in full
        for body in DEPARTMENTS:
            full = f"Sở {body}"
            self._add(full, None)
            surfaces.add(full)
            self.department_bodies[name_key(body)] = body
            for short in abbreviations.get(name_key(body), ()):
                surfaces.add(f"so {short}")
                self.department_bodies.setdefault(short, body)
        for agency in AGENCIES:
            self._add(agency, None)
            surfaces |= _variants(agency)
        for unit in self.units:
            for written in unit.names:
                if not written.strip():
                    continue
                key = name_key(written)
                known = self.by_key.get(key)
                # The installation's official name wins over the lexicon's spelling.
                self.by_key[key] = (unit.name, unit.id) if known is None or known[1] is None \
                    else known
                surfaces |= _variants(written)
                if fold(written).startswith("so "):
                    self.department_bodies.setdefault(name_key(written[3:]), written[3:].strip())
            self.by_key[name_key(unit.name)] = (unit.name, unit.id)
        patterns = sorted({words_pattern(s) for s in surfaces if fold(s).strip()},
                          key=len, reverse=True)
        self.names_re = re.compile("|".join(patterns))
        body_patterns = set()
        for key, body in self.department_bodies.items():
            body_patterns.add(words_pattern(body))
            body_patterns.add(r"\b" + re.escape(key).replace(r"\ ", r"[\s&\-]*") + r"\b")
        self.body_re = re.compile("|".join(sorted(body_patterns, key=len, reverse=True)))
        self._keys = list({k for k, v in self.by_key.items() if v[1] is not None})
        # The first word of every name, title and group: the parser tries to read an
        # addressee only where one of these words begins (a tenth of the words of a text).
        first_words = {fold(s).split()[0] for s in surfaces if fold(s).split()}
        first_words |= {"cac", "ubnd", "uy", *HEAD_WORDS}
        self.first_words = frozenset(first_words)

    def _add(self, name: str, unit_id: int | None) -> None:
        self.by_key.setdefault(name_key(name), (name, unit_id))

    # --- resolving a name to this installation's unit --------------------------------------
    def resolve(self, name: str) -> tuple[str, int | None]:
        """The official name and unit id for a name as written; id None when no unit of this
        installation matches (the name is still given in full)."""
        found = self._resolved.get(name)
        if found is None:
            found = self._resolved[name] = self._resolve(name)
        return found

    def _resolve(self, name: str) -> tuple[str, int | None]:
        key = name_key(name)
        known = self.by_key.get(key)
        if known is not None and known[1] is not None:
            return known
        if self._keys:
            best = process.extractOne(key, self._keys, scorer=fuzz.token_sort_ratio,
                                      score_cutoff=92)
            if best is not None:
                return self.by_key[best[0]]
        return known if known is not None else (name, None)

    # --- reading names in folded text -------------------------------------------------------
    def party_at(self, folded: str, text: str, pos: int) -> tuple[list[Party], int] | None:
        """The addressee(s) written at ``pos``: one unit, a compressed list, or a group."""
        head = _HEAD.match(folded, pos)
        start = head.end() if head else pos
        listed = self._list_at(folded, text, start)
        if listed:
            return listed
        match = self.names_re.match(folded, start)
        district = _district_at(folded, text, start)
        if district and (match is None or district[0].end >= match.end()):
            party = district[0]
            party.name, party.unit_id = self.resolve(party.name)
            return [party], party.end
        if match:
            name, unit_id = self.resolve(text[match.start():match.end()])
            return [Party(pos, match.end(), name, unit_id=unit_id)], match.end()
        group_end = _group_end(folded, text, pos, self._names_at)
        if group_end:
            return [Party(pos, group_end, text[pos:group_end], group=True)], group_end
        return None

    def parties_at(self, folded: str, text: str, pos: int) -> tuple[list[Party], int]:
        """A run of addressees joined by commas, semicolons, "và", "cùng" (may be empty)."""
        parties: list[Party] = []
        end = pos
        while True:
            while end < len(folded) and folded[end] == " ":
                end += 1
            found = self.party_at(folded, text, end)
            if not found:
                break
            items, end = found
            parties.extend(items)
            connector = _CONNECTOR.match(folded, end)
            if not connector or connector.end() == end:
                break
            if not self.party_at(folded, text, connector.end()):
                break
            end = connector.end()
        return parties, end

    def _names_at(self, folded: str, text: str, pos: int) -> bool:
        """True where a unit's name (not a group word) is written at ``pos``."""
        return bool(self.names_re.match(folded, pos) or _district_at(folded, text, pos))

    def _list_at(self, folded, text, pos):
        """"các Sở: A, B, C" and "UBND các huyện: X, Y" as one party per unit."""
        m = _DEPARTMENT_LIST.match(folded, pos)
        if m:
            items, end = [], m.end()
            while True:
                body = self.body_re.match(folded, end)
                if not body:
                    break
                written = text[body.start():body.end()]
                body_name = self.department_bodies.get(name_key(written), written)
                name, unit_id = self.resolve(f"Sở {body_name}")
                items.append(Party(body.start() if items else pos, body.end(), name,
                                   unit_id=unit_id))
                end = body.end()
                sep = _LIST_SEPARATOR.match(folded, end)
                if not sep or not self.body_re.match(folded, sep.end()):
                    break
                end = sep.end()
            if items:
                return items, end
        m = _DISTRICT_LIST.match(folded, pos)
        if m:
            kind = DISTRICT_KINDS[m.group(1).rstrip(".")]
            items, end = [], m.end()
            while True:
                name_end = _proper_name_end(text, end)
                if name_end is None:
                    break
                written = text[end:name_end]
                name, unit_id = self.resolve(f"Ủy ban nhân dân {kind} {written}")
                items.append(Party(end if items else pos, name_end, name, unit_id=unit_id))
                end = name_end
                sep = _LIST_SEPARATOR.match(folded, end)
                if not sep or _proper_name_end(text, sep.end()) is None:
                    break
                end = sep.end()
            if items:
                return items, end
        return None


def _proper_name_end(text: str, pos: int, words: int = 4) -> int | None:
    """End of a run of capitalised words at ``pos`` (a place name), or None."""
    end, count = None, 0
    cursor = pos
    while count < words:
        m = _CAPITALISED.match(text, cursor)
        if not m:
            break
        end, count = m.end(), count + 1
        if end < len(text) and text[end] == " " and end + 1 < len(text) and text[end + 1].isupper():
            cursor = end + 1
        else:
            break
    return end


def _district_at(folded, text, pos):
    """"UBND huyện Ba Tri", "Ủy ban nhân dân thành phố Bến Tre" (a capitalised place name)."""
    m = _DISTRICT.match(folded, pos)
    if not m:
        return None
    end = _proper_name_end(text, m.end())
    if end is None:
        return None
    kind = DISTRICT_KINDS[m.group(1).rstrip(".")]
    return (Party(pos, end, f"Ủy ban nhân dân {kind} {text[m.end():end]}"),)


def _group_end(folded: str, text: str, pos: int, is_name) -> int | None:
    """End of a group addressee starting at ``pos`` ("các sở, ban, ngành tỉnh; UBND các
    huyện, thành phố Cà Mau"), or None. It stops before a unit's own name (``is_name``)."""
    if not _GROUP_START.match(folded, pos):
        return None
    end, last_word_end, nouns, last = pos, None, 0, ""
    while True:
        m = _GROUP_TOKEN.match(folded, end)
        if not m or (end > pos and is_name(folded, text, m.start(1))):
            break
        token = m.group(1)
        end = m.end()
        if token not in ",;:":
            last_word_end = end
            last = token
            nouns += token in _GROUP_NOUNS
    if not nouns or last_word_end is None:
        return None
    if last in ("thanh pho", "huyen", "thi xa", "tinh"):  # "thành phố Cà Mau"
        space = last_word_end + 1 if text[last_word_end:last_word_end + 1] == " " else None
        proper = _proper_name_end(text, space) if space else None
        if proper:
            last_word_end = proper
    while fold(text[last_word_end - 3:last_word_end]) == " va":
        last_word_end -= 3
    return last_word_end
