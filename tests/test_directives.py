"""The directive reader (issue 16): the fourteen labelled sample passages, then one case per
construction it reads — segmentation, lead units in every written form, lists and groups,
cooperating units, deadlines on the working-day calendar, dates that are NOT deadlines, and
update frequencies. Pure functions: no database (the calendar gets its overrides as data)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cddh.models import CalendarOverrideKind
from cddh.services.calendar import WorkingCalendar
from cddh.services.directives import UnitCatalog, UnitRecord, extract
from cddh.services.directives.text import fold, name_key

SAMPLE = Path("/work/shared/data/directives-sample.jsonl")
if not SAMPLE.exists():
    SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "directives-sample.jsonl"
CAL = WorkingCalendar(overrides={
    dt.date(2026, 1, 2): (CalendarOverrideKind.day_off, "Nghỉ bù"),
    dt.date(2026, 1, 10): (CalendarOverrideKind.working_day, "Làm bù"),
})
LEXICON = UnitCatalog()
# An installation: a few units with the names, short names and aliases an admin gives them.
INSTALLATION = UnitCatalog([
    UnitRecord(1, "Sở Tài nguyên và Môi trường", ["Sở Tài nguyên và Môi trường", "STNMT"]),
    UnitRecord(2, "Sở Kế hoạch và Đầu tư", ["Sở Kế hoạch và Đầu tư", "SKHĐT"]),
    UnitRecord(3, "Sở Y tế", ["Sở Y tế", ""]),
    UnitRecord(4, "Ủy ban nhân dân huyện Ba Tri", ["Ủy ban nhân dân huyện Ba Tri", "UBND Ba Tri"]),
    UnitRecord(5, "Trung tâm Phục vụ hành chính công tỉnh",
               ["Trung tâm Phục vụ hành chính công tỉnh", "", "Trung tâm PVHCC"]),
    UnitRecord(6, "Sở Nông nghiệp và PTNT", ["Sở Nông nghiệp và PTNT", ""]),
    UnitRecord(7, "Ủy ban nhân dân thành phố Bến Tre",
               ["Ủy ban nhân dân thành phố Bến Tre", "UBND TP Bến Tre"]),
])


def read(text, issued="2026-11-16", catalog=LEXICON):
    return extract(text, dt.date.fromisoformat(issued), catalog, CAL)


def flat(name):
    """Compare names without diacritics, case or spacing ("cácsở" is in a source text)."""
    return fold(name or "").replace(" ", "")


# --- the sample --------------------------------------------------------------------------
def _sample():
    if not SAMPLE.exists():
        return []
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared/data/directives-sample.jsonl is absent")
@pytest.mark.parametrize("passage", _sample(), ids=lambda p: p["id"])
def test_sample_passage(passage):
    """Every labelled task is found with its lead (unit or group) and deadline; no date of
    non_deadline_dates is ever proposed; recurring tasks carry their frequency."""
    issued = dt.date.fromisoformat(passage["issued_on"])
    got = extract(passage["text"], issued, LEXICON, CAL)
    proposed_deadlines = {t.deadline.isoformat() for t in got if t.deadline}
    assert not proposed_deadlines & set(passage["non_deadline_dates"])
    remaining = list(got)
    for label in passage["tasks"]:
        leads = label.get("lead_units") or ([label["lead_unit"]] if label["lead_unit"] else [])
        if leads:  # one proposed task per named lead unit (see services/directives)
            matches = [t for t in remaining if flat(t.lead_unit_name) in {flat(x) for x in leads}]
            assert {flat(t.lead_unit_name) for t in matches} >= {flat(x) for x in leads}, label
            matches = matches[:len(leads)]
        else:
            matches = [t for t in remaining if flat(t.lead_group) == flat(label["lead_group"])][:1]
            assert matches, (label["lead_group"], [t.lead_group for t in got])
        for task in matches:
            remaining.remove(task)
            if label["deadline_rule"] == "working_days_after_issue":
                days = int(label["deadline_text"].split()[1])
                assert task.deadline == CAL.add_working_days(issued, days)
            elif not label.get("recurring"):
                expected = label["deadline"]
                assert (task.deadline.isoformat() if task.deadline else None) == expected, label
            if label["deadline"]:
                assert flat(label["deadline_text"]) in flat(task.deadline_text)
            assert task.update_frequency == label["update_frequency"], label
            assert {flat(n) for n in label["cooperating_units"]} == \
                {flat(n) for n in task.cooperating_unit_names}
    assert not remaining, [t.as_dict() for t in remaining]


# --- the normaliser ------------------------------------------------------------------------
@pytest.mark.parametrize("short, full", [
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),
    ("Sở TNMT", "Sở Tài nguyên và Môi trường"),
    ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
    ("Sở VH,TT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("UBND huyện Ba Tri", "Ủy ban nhân dân huyện Ba Tri"),
    ("Sở GIÁO DỤC VÀ ĐÀO TẠO", "Sở Giáo dục và Đào tạo"),
])
def test_name_keys_equal_abbreviations_and_full_names(short, full):
    assert name_key(short) == name_key(full)


def test_fold_keeps_offsets():
    text = "Ủy ban nhân dân tỉnh giao Sở Tài chính"
    assert len(fold(text)) == len(text)
    assert fold(text) == "uy ban nhan dan tinh giao so tai chinh"


# --- constructions ------------------------------------------------------------------------
# (id, text, issued_on, [expected task: lead | group, coop, deadline, frequency]) — only the
# keys given are checked; "n" checks the number of proposed tasks.
CASES = [
    # segmentation and assignment words
    ("giao-chu-tri", "Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính xây dựng kế hoạch phòng "
     "chống dịch.", "2026-11-16",
     [{"lead": "Sở Y tế", "coop": ["Sở Tài chính"], "deadline": None}]),
    ("yeu-cau", "Yêu cầu Sở Xây dựng kiểm tra các công trình.", "2026-11-16",
     [{"lead": "Sở Xây dựng"}]),
    ("de-nghi", "Đề nghị Công an tỉnh tăng cường tuần tra.", "2026-11-16",
     [{"lead": "Công an tỉnh"}]),
    ("chu-tri-subject", "Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ rà soát văn bản.",
     "2026-11-16", [{"lead": "Sở Tư pháp", "coop": ["Sở Nội vụ"]}]),
    ("chairman-heads", "Chủ tịch UBND tỉnh yêu cầu Giám đốc các sở, Chủ tịch UBND các huyện "
     "nghiêm túc thực hiện.", "2026-11-16",
     [{"group": "Giám đốc các sở, Chủ tịch UBND các huyện"}]),
    ("numbered", "UBND tỉnh giao nhiệm vụ như sau:\n1. Sở Tài chính tham mưu bố trí kinh phí.\n"
     "2. Sở Nội vụ hướng dẫn sắp xếp tổ chức.", "2026-11-16",
     [{"lead": "Sở Tài chính"}, {"lead": "Sở Nội vụ"}]),
    ("lettered", "Nhiệm vụ cụ thể:\na) Sở Y tế tổ chức tiêm chủng;\nb) Sở Giáo dục và Đào tạo "
     "tuyên truyền trong trường học.", "2026-11-16",
     [{"lead": "Sở Y tế"}, {"lead": "Sở Giáo dục và Đào tạo"}]),
    ("roman", "I. Sở Công Thương theo dõi thị trường. II. Sở Tài chính kiểm tra giá.",
     "2026-11-16", [{"lead": "Sở Công Thương"}, {"lead": "Sở Tài chính"}]),
    ("dashes", "Giao nhiệm vụ:\n- Sở Giao thông vận tải rà soát biển báo;\n- Công an tỉnh xử lý "
     "vi phạm.", "2026-11-16",
     [{"lead": "Sở Giao thông vận tải"}, {"lead": "Công an tỉnh"}]),
    ("two-giao", "Giao Sở Tài chính thẩm định dự toán; giao Sở Nội vụ thẩm định biên chế.",
     "2026-11-16", [{"lead": "Sở Tài chính"}, {"lead": "Sở Nội vụ"}]),
    ("context-ignored", "Căn cứ Luật Tổ chức chính quyền địa phương. Xét đề nghị của Giám đốc "
     "Sở Nội vụ tại Tờ trình số 12/TTr-SNV. Giao Sở Nội vụ công bố quyết định.", "2026-11-16",
     [{"lead": "Sở Nội vụ", "n": 1}]),
    ("intro-list", "Các cơ quan sau đây chịu trách nhiệm thực hiện:\n1. Sở Y tế kiểm tra "
     "an toàn thực phẩm.", "2026-11-16", [{"lead": "Sở Y tế", "n": 1}]),
    # lead units in their written forms
    ("abbr-tnmt", "Giao Sở TN&MT kiểm tra hiện trạng đất.", "2026-11-16",
     [{"lead": "Sở Tài nguyên và Môi trường"}]),
    ("abbr-khdt", "Giao Sở KH&ĐT tổng hợp nhu cầu vốn.", "2026-11-16",
     [{"lead": "Sở Kế hoạch và Đầu tư"}]),
    ("abbr-nnptnt", "Giao Sở NN&PTNT chỉ đạo phòng chống hạn mặn.", "2026-11-16",
     [{"lead": "Sở Nông nghiệp và Phát triển nông thôn"}]),
    ("abbr-ldtbxh", "Giao Sở LĐ-TB&XH rà soát hộ nghèo.", "2026-11-16",
     [{"lead": "Sở Lao động - Thương binh và Xã hội"}]),
    ("abbr-gtvt", "Yêu cầu Sở GTVT sửa chữa cầu.", "2026-11-16",
     [{"lead": "Sở Giao thông vận tải"}]),
    ("district", "Giao UBND huyện Ba Tri chủ trì giải quyết khiếu nại.", "2026-11-16",
     [{"lead": "Ủy ban nhân dân huyện Ba Tri"}]),
    ("head-director", "Yêu cầu Giám đốc Sở Y tế chỉ đạo các bệnh viện.", "2026-11-16",
     [{"lead": "Sở Y tế"}]),
    ("head-chairman-city", "Đề nghị Chủ tịch UBND thành phố Bến Tre xử lý dứt điểm.",
     "2026-11-16", [{"lead": "Ủy ban nhân dân thành phố Bến Tre"}]),
    ("chanh-thanh-tra", "Giao Chánh Thanh tra tỉnh kiểm tra vụ việc.", "2026-11-16",
     [{"lead": "Thanh tra tỉnh"}]),
    ("list-two-leads", "Giao các Sở: Tài chính, Xây dựng hướng dẫn định mức.", "2026-11-16",
     [{"lead": "Sở Tài chính", "n": 2}, {"lead": "Sở Xây dựng"}]),
    ("list-no-colon", "Giao Sở Tài chính, Sở Xây dựng thẩm định dự án.", "2026-11-16",
     [{"lead": "Sở Tài chính", "n": 2}, {"lead": "Sở Xây dựng"}]),
    ("group-departments", "Yêu cầu các sở, ban, ngành tỉnh triển khai thực hiện.", "2026-11-16",
     [{"group": "các sở, ban, ngành tỉnh", "n": 1}]),
    ("group-districts", "Giao UBND các huyện, thành phố rà soát quỹ đất.", "2026-11-16",
     [{"group": "UBND các huyện, thành phố", "n": 1}]),
    ("glued-words", "1. Sở Y tế - cơquan thường trực tham mưu tổchức thực hiện.", "2026-11-16",
     [{"lead": "Sở Y tế"}]),
    # cooperating units
    ("coop-without-voi", "Giao Sở Y tế chủ trì, phối hợp Sở Tài chính lập dự toán.",
     "2026-11-16", [{"coop": ["Sở Tài chính"]}]),
    ("coop-cung", "Giao Sở Nội vụ cùng Sở Tư pháp thẩm định hồ sơ.", "2026-11-16",
     [{"lead": "Sở Nội vụ", "coop": ["Sở Tư pháp"]}]),
    ("coop-list-and-group", "Giao Sở Xây dựng chủ trì, phối hợp với các Sở: Tài chính, Công "
     "Thương; UBND các huyện: Ba Tri, Giồng Trôm và các đơn vị liên quan kiểm tra.",
     "2026-11-16", [{"lead": "Sở Xây dựng", "coop": [
         "Sở Tài chính", "Sở Công Thương", "Ủy ban nhân dân huyện Ba Tri",
         "Ủy ban nhân dân huyện Giồng Trôm"]}]),
    ("coop-group-dropped", "Giao Sở Y tế chủ trì, phối hợp với UBND các huyện, thành phố "
     "kiểm tra.", "2026-11-16", [{"lead": "Sở Y tế", "coop": []}]),
    # deadlines
    ("date-full", "Giao Sở Y tế báo cáo trước ngày 10/12/2023.", "2023-11-20",
     [{"deadline": "2023-12-10", "deadline_text": "báo cáo trước ngày 10/12/2023"}]),
    ("date-dash", "Giao Sở Y tế hoàn thành chậm nhất ngày 30-6.", "2026-03-02",
     [{"deadline": "2026-06-30"}]),
    ("date-no-year", "Giao Sở Y tế báo cáo trước 15/12.", "2026-11-16",
     [{"deadline": "2026-12-15"}]),
    ("date-no-year-passed", "Giao Sở Y tế báo cáo trước 15/01.", "2026-11-16",
     [{"deadline": "2027-01-15"}]),
    ("date-words", "Giao Sở Y tế hoàn thành trước ngày 10 tháng 12 năm 2026.", "2026-11-16",
     [{"deadline": "2026-12-10"}]),
    ("date-dots", "Giao Sở Y tế báo cáo trước ngày 10.12.2026.", "2026-11-16",
     [{"deadline": "2026-12-10"}]),
    ("month-end", "Giao Sở Tài chính hoàn thành trong tháng 12/2026.", "2026-11-16",
     [{"deadline": "2026-12-31"}]),
    ("month-end-feb", "Giao Sở Tài chính hoàn thành trong tháng 2 năm 2028.", "2026-11-16",
     [{"deadline": "2028-02-29"}]),
    ("quarter-end", "Giao Sở Nội vụ trình UBND tỉnh trong quý I/2027.", "2026-11-16",
     [{"deadline": "2027-03-31"}]),
    ("quarter-iii", "Giao Sở Nội vụ trình đề án trong quý III năm 2027.", "2026-11-16",
     [{"deadline": "2027-09-30"}]),
    ("half-year", "Giao Sở Xây dựng hoàn thành trong 6 tháng đầu năm 2027.", "2026-11-16",
     [{"deadline": "2027-06-30"}]),
    ("year-end", "Giao Sở Xây dựng hoàn thành trong năm 2027.", "2026-11-16",
     [{"deadline": "2027-12-31"}]),
    # 24/11 is a public holiday from 2026 (Ngày Văn hóa Việt Nam): the count skips it.
    ("working-days", "Giao Sở Tư pháp thẩm định, báo cáo trong 07 ngày làm việc.", "2026-11-16",
     [{"deadline": "2026-11-26"}]),
    ("working-days-holiday", "Giao Sở Tư pháp báo cáo trong 05 ngày làm việc kể từ ngày "
     "29/12/2025.", "2025-12-20", [{"deadline": "2026-01-07"}]),
    ("working-days-receipt", "Giao Sở Tư pháp trả lời trong 03 ngày làm việc kể từ ngày nhận "
     "được văn bản.", "2026-11-20", [{"deadline": "2026-11-26"}]),
    ("calendar-days", "Giao Sở Tư pháp báo cáo trong 10 ngày.", "2026-11-16",
     [{"deadline": "2026-11-26"}]),
    ("before-when", "Giao Sở Tài chính trình UBND tỉnh trước khi ban hành quyết định.",
     "2026-11-16", [{"deadline": None}]),
    ("latest-of-two", "Giao Sở Y tế báo cáo sơ bộ trước ngày 05/12/2026, hoàn thành trước "
     "ngày 20/12/2026.", "2026-11-16", [{"deadline": "2026-12-20"}]),
    ("follow-up-sentence", "Giao Sở Y tế tổng hợp số liệu. Hoàn thành trước ngày 20/12/2026.",
     "2026-11-16", [{"deadline": "2026-12-20", "n": 1}]),
    ("deadline-per-item", "1. Sở Y tế báo cáo trước ngày 01/12/2026.\n2. Sở Tài chính báo cáo "
     "trước ngày 05/12/2026.", "2026-11-16",
     [{"lead": "Sở Y tế", "deadline": "2026-12-01"}, {"lead": "Sở Tài chính",
                                                       "deadline": "2026-12-05"}]),
    ("urgent-not-deadline", "Yêu cầu Sở Y tế khẩn trương triển khai.", "2026-11-16",
     [{"deadline": None}]),
    # dates that are NOT deadlines
    ("nd-cited-letter", "Thực hiện Công văn số 5658/BCT-CTĐP ngày 18/7/2018 của Bộ Công Thương, "
     "giao Sở Công Thương tổng hợp báo cáo.", "2018-07-25", [{"deadline": None}]),
    ("nd-cited-decision", "Căn cứ Quyết định số 559/QĐ-TTg ngày 24/4/2017. Giao Sở Tư pháp "
     "hướng dẫn thực hiện.", "2018-04-06", [{"deadline": None}]),
    ("nd-received", "Ngày 20/7/2018, UBND tỉnh nhận được văn bản của Bộ. Giao Sở Công Thương "
     "nghiên cứu.", "2018-07-25", [{"deadline": None}]),
    ("nd-effective", "Quyết định này có hiệu lực kể từ ngày 01/01/2027. Giao Sở Nội vụ "
     "hướng dẫn thi hành.", "2026-11-16", [{"deadline": None}]),
    ("nd-effective-from", "Giao Sở Tài chính hướng dẫn áp dụng bảng giá có hiệu lực từ ngày "
     "15/12/2026.", "2026-11-16", [{"deadline": None}]),
    ("nd-meeting", "Tại cuộc họp ngày 12/11/2026, Chủ tịch UBND tỉnh giao Sở Y tế rà soát.",
     "2026-11-16", [{"deadline": None}]),
    ("nd-conclusion", "Thông báo kết luận của Chủ tịch UBND tỉnh tại buổi làm việc ngày "
     "10/11/2026: giao Sở Xây dựng kiểm tra.", "2026-11-16", [{"deadline": None}]),
    ("nd-cited-plan-inline", "Giao Sở Y tế thực hiện theo Kế hoạch số 149/KH-UBND ngày "
     "05/9/2026 của UBND tỉnh.", "2026-11-16", [{"deadline": None}]),
    ("nd-paren-source", "Giao Sở Xây dựng kiểm tra công trình./. (Theo Công văn số 2849/UBND-KT,"
     " ngày 21/6/2024)", "2024-06-21", [{"deadline": None}]),
    ("nd-status-date", "Tính đến ngày 30/10/2026, tỉnh giải ngân đạt 60%. Yêu cầu Sở Tài chính "
     "đẩy nhanh giải ngân.", "2026-11-16", [{"deadline": None}]),
    ("nd-period", "Giao Sở Kế hoạch và Đầu tư báo cáo tình hình giai đoạn 2016-2021.",
     "2026-11-16", [{"deadline": None}]),
    ("nd-from-to", "Giao Sở Văn hóa, Thể thao và Du lịch tổ chức lễ hội từ ngày 01/12/2026 đến "
     "ngày 05/12/2026.", "2026-11-16", [{"deadline": None}]),
    ("nd-signed", "Giao Sở Tư pháp đăng tải văn bản ký ngày 10/11/2026.", "2026-11-16",
     [{"deadline": None}]),
    ("nd-cited-with-deadline", "Căn cứ Chỉ thị số 27/CT-TTg ngày 19/11/2019, giao Sở Kế hoạch "
     "và Đầu tư tham mưu, hoàn thành trong quý I/2020.", "2019-11-29",
     [{"deadline": "2020-03-31"}]),
    ("nd-report-subject", "Giao Sở Tài chính báo cáo kết quả 6 tháng đầu năm.", "2026-11-16",
     [{"deadline": None}]),
    ("nd-recurring-dates", "Các cơ quan, đơn vị định kỳ đánh giá, báo cáo UBND tỉnh trước ngày "
     "05/6 và 05/12 hàng năm.", "2019-11-29",
     [{"group": "Các cơ quan, đơn vị", "deadline": None, "frequency": "half_yearly"}]),
    ("nd-monthly-day", "Giao Sở Y tế báo cáo trước ngày 20 hằng tháng.", "2026-11-16",
     [{"deadline": None, "frequency": "monthly"}]),
    # update frequency
    ("freq-monthly", "Giao Sở Y tế định kỳ hằng tháng báo cáo tiến độ.", "2026-11-16",
     [{"frequency": "monthly"}]),
    ("freq-quarterly", "Giao Sở Y tế báo cáo định kỳ hằng quý.", "2026-11-16",
     [{"frequency": "quarterly"}]),
    ("freq-half-yearly", "Giao Sở Y tế báo cáo định kỳ 6 tháng, hằng năm.", "2026-11-16",
     [{"frequency": "half_yearly"}]),
    ("freq-yearly", "Giao Sở Y tế tổ chức sơ kết hằng năm.", "2026-11-16",
     [{"frequency": "yearly"}]),
    ("freq-none", "Giao Sở Tư pháp rà soát chế độ báo cáo định kỳ.", "2026-11-16",
     [{"frequency": None}]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_construction(case):
    _id, text, issued, expected = case
    got = read(text, issued)
    if "n" in expected[0]:
        assert len(got) == expected[0]["n"], [t.as_dict() for t in got]
    assert len(got) >= len(expected), [t.as_dict() for t in got]
    for want, task in zip(expected, got, strict=False):
        if "lead" in want:
            assert task.lead_unit_name == want["lead"], task.as_dict()
            assert task.lead_group is None
        if "group" in want:
            assert task.lead_group == want["group"] and task.lead_unit_name is None, task.as_dict()
        if "coop" in want:
            assert task.cooperating_unit_names == want["coop"], task.as_dict()
        if "deadline" in want:
            assert (task.deadline.isoformat() if task.deadline else None) == want["deadline"], \
                task.as_dict()
        if "deadline_text" in want:
            assert task.deadline_text == want["deadline_text"]
        if "frequency" in want:
            assert task.update_frequency == want["frequency"], task.as_dict()


def test_no_deadline_from_a_date_without_a_deadline_word():
    """Every date of a text full of cited documents, and none proposed."""
    text = ("Thực hiện Nghị định số 68/2017/NĐ-CP ngày 25/5/2017, Thông tư số 15/2017/TT-BCT "
            "ngày 31/8/2017 và Công văn số 11034/VPCP-KGVX ngày 17/10/2017 của Văn phòng Chính "
            "phủ; Giao Sở Công Thương chủ trì, phối hợp với Sở Xây dựng thực hiện.")
    [task] = read(text, "2017-10-23")
    assert task.deadline is None and task.deadline_text is None


# --- this installation's units and aliases --------------------------------------------------
def test_units_match_installation_by_name_alias_and_abbreviation():
    [task] = read("Giao STNMT chủ trì, phối hợp với SKHĐT và Sở NN&PTNT kiểm tra.",
                  catalog=INSTALLATION)
    assert (task.lead_unit_id, task.lead_unit_name) == (1, "Sở Tài nguyên và Môi trường")
    assert task.cooperating_unit_ids == [2, 6]
    assert task.cooperating_unit_names == ["Sở Kế hoạch và Đầu tư", "Sở Nông nghiệp và PTNT"]


def test_alias_of_a_unit_outside_the_lexicon():
    [task] = read("Giao Trung tâm PVHCC tiếp nhận hồ sơ.", catalog=INSTALLATION)
    assert (task.lead_unit_id, task.lead_unit_name) == (5, "Trung tâm Phục vụ hành chính công tỉnh")


def test_unmatched_unit_keeps_its_full_name():
    [task] = read("Giao Sở Ngoại vụ chủ trì đón đoàn.", catalog=INSTALLATION)
    assert task.lead_unit_id is None and task.lead_unit_name == "Sở Ngoại vụ"


def test_district_alias_and_city():
    tasks = read("Giao UBND TP Bến Tre chỉnh trang đô thị; giao UBND Ba Tri nạo vét kênh.",
                 catalog=INSTALLATION)
    assert [t.lead_unit_id for t in tasks] == [7, 4]


def test_fuzzy_match_tolerates_a_dropped_word_but_not_another_department():
    catalog = UnitCatalog([UnitRecord(9, "Sở Tài nguyên và Môi trường",
                                      ["Sở Tài nguyên và Môi trường"]),
                           UnitRecord(10, "Sở Tư pháp", ["Sở Tư pháp"])])
    assert catalog.resolve("Sở Tài nguyên Môi trường")[1] == 9
    assert catalog.resolve("Sở Tài chính")[1] is None


def test_source_text_and_offsets_come_from_the_text():
    text = "Ý kiến như sau: Giao Sở Y tế rà soát, báo cáo trước ngày 10/12/2026. Cảm ơn."
    [task] = read(text)
    assert task.source_text == "Giao Sở Y tế rà soát, báo cáo trước ngày 10/12/2026"
    assert task.content == "Rà soát, báo cáo trước ngày 10/12/2026"
    assert task.deadline_text in task.source_text


def test_text_without_tasks_gives_none():
    assert read("Tình hình kinh tế - xã hội tháng 10 tiếp tục chuyển biến tích cực.") == []


# --- more constructions: addressees the lexicon does not know, items under a unit ----------
def test_unknown_agency_after_an_assignment_word():
    [task] = read("Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phối hợp tuyên truyền.")
    assert task.lead_unit_name == "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"
    assert task.lead_unit_id is None


def test_items_under_a_unit_inherit_it():
    text = ("1. Sở Y tế:\n- Chủ trì, phối hợp với Sở Tài chính kiểm tra giá thuốc, hoàn thành "
            "trước ngày 15/12/2026;\n- Báo cáo kết quả định kỳ hằng quý.\n"
            "2. Sở Tài chính bố trí kinh phí.")
    tasks = read(text)
    assert [(t.lead_unit_name, t.cooperating_unit_names) for t in tasks] == [
        ("Sở Y tế", ["Sở Tài chính"]), ("Sở Y tế", []), ("Sở Tài chính", [])]
    assert tasks[0].deadline == dt.date(2026, 12, 15) and tasks[0].content.startswith("Kiểm tra")
    assert tasks[1].update_frequency == "quarterly"


def test_task_introducing_its_items():
    tasks = read("Giao Sở Xây dựng thực hiện các nội dung sau:\na) Rà soát quy hoạch;\n"
                 "b) Kiểm tra trật tự xây dựng.")
    assert [(t.lead_unit_name, t.content) for t in tasks] == [
        ("Sở Xây dựng", "Rà soát quy hoạch"), ("Sở Xây dựng", "Kiểm tra trật tự xây dựng")]


def test_deadline_after_a_colon():
    [task] = read("Giao Sở Nội vụ rà soát biên chế. Hạn chót: 15/12/2026.")
    assert task.deadline == dt.date(2026, 12, 15)


@pytest.mark.parametrize("text", [
    "Giao Sở Y tế báo cáo trước ngày 10/12/2020.",  # before the issue date: a misread year
    "Giao Sở Y tế hoàn thành trong quý I/0000.",
    "Giao Sở Y tế hoàn thành trước ngày 10/12/9999.",
])
def test_impossible_deadlines_are_not_proposed(text):
    [task] = read(text, "2026-11-16")
    assert task.deadline is None
