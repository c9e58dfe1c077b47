"""Demo data for ``flask --app app cddh demo``: Bến Tre's units, one account per role and a
realistic set of documents and tasks in every state, with every date relative to today.

The units are Bến Tre's real agencies before the 2025 merger; the people, document numbers
and contents are made up. Units and accounts carry no e-mail address on purpose, so a demo
installation never mails a real mailbox.

``load_demo`` fills an empty database inside the caller's transaction. It is deterministic
for a given ``today`` (``random.Random(2020)``) and, from about 100 tasks up, covers every
task state and timeliness class, tasks due within three working days, and — for the two
demo unit_staff accounts' units — every state as lead unit plus tasks as cooperating unit.

Besides the demo accounts, every department, district and other agency gets a head and an
officer (``giamdoc.stc``, ``chutich.hbtr``, ``canbo.stc``…) with the same password, so the
history of each task has real actors; they share one password hash to keep loading fast.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from .models import (
    DocType,
    Document,
    ExpectedProduct,
    ExtensionRequest,
    ExtensionStatus,
    LeaderPosition,
    Priority,
    ProgressUpdate,
    ReturnReason,
    Role,
    Task,
    TaskHistory,
    TaskState,
    Unit,
    UnitCategory,
    UpdateFrequency,
    Urging,
    UrgingChannel,
    User,
    db,
)
from .services.accounts import create_user, hash_password
from .services.calendar import SEED_OVERRIDES, WorkingCalendar, seed_overrides
from .services.clock import local_today, local_tz
from .services.documents import prepare_document
from .services.reference import seed_unit_kinds

DEMO_PASSWORD = "Demo@2026cddh"

# (username, role, unit code, full name): one account per role, plus a district officer.
DEMO_ACCOUNTS: list[tuple[str, Role, str, str]] = [
    ("admin", Role.admin, "VP-TTDT", "Phạm Minh Tuấn"),
    ("chuyenvien", Role.office_specialist, "VP-TH", "Nguyễn Thị Thu Hà"),
    ("lanhdao", Role.leader, "VP", "Trần Văn Phúc"),
    ("giamdoc.snv", Role.unit_leader, "SNV", "Lê Hoàng Nam"),
    ("canbo.snv", Role.unit_staff, "SNV", "Võ Thị Ngọc Trâm"),
    ("canbo.hbt", Role.unit_staff, "HBT", "Huỳnh Văn Lộc"),
    ("kiemtra", Role.inspector, "VP-NC", "Đặng Quốc Bảo"),
]

# The leaders by name (Đ3.2): (username, position, full name, sectors directed). The demo
# "lanhdao" account above is the Chief of the Office.
LEADER_ACCOUNTS: list[tuple[str, LeaderPosition, str, str]] = [
    ("chutich", LeaderPosition.chairman, "Huỳnh Quốc Thái", ""),
    ("pct.hanh", LeaderPosition.vice_chairman, "Đoàn Thị Mỹ Hạnh",
     "Văn hóa – xã hội\nGiáo dục và đào tạo\nY tế"),
    ("pct.khang", LeaderPosition.vice_chairman, "Lưu Văn Khang",
     "Kinh tế\nTài chính – ngân sách\nNông nghiệp"),
    ("pct.duc", LeaderPosition.vice_chairman, "Tạ Minh Đức",
     "Nội chính\nTài nguyên và môi trường\nXây dựng, giao thông"),
    ("phochanh", LeaderPosition.office_deputy, "Ngô Thị Bích Thủy", ""),
]
OFFICE_CHIEF = "lanhdao"

# The units whose demo officers should see every state as lead unit and some cooperation.
DEMO_UNIT_CODES = ("SNV", "HBT")

OFFICE = ("VP", "Văn phòng UBND tỉnh", "VP UBND tỉnh")
# (code, name, short name, symbol used in its own documents' numbers)
OFFICE_DIVISIONS = (
    ("VP-TH", "Phòng Tổng hợp", "Phòng TH", "TH"),
    ("VP-KT", "Phòng Kinh tế", "Phòng KT", "KT"),
    ("VP-KGVX", "Phòng Khoa giáo - Văn xã", "Phòng KGVX", "KGVX"),
    ("VP-NC", "Phòng Nội chính", "Phòng NC", "NC"),
    ("VP-HCTC", "Phòng Hành chính - Tổ chức", "Phòng HCTC", "HCTC"),
    ("VP-TCD", "Ban Tiếp công dân", "Ban TCD", "TCD"),
    ("VP-TTDT", "Trung tâm Thông tin điện tử", "Trung tâm TTĐT", "TTĐT"),
)
DEPARTMENTS = (
    ("SNV", "Sở Nội vụ", "Sở Nội vụ", "SNV"),
    ("STC", "Sở Tài chính", "Sở Tài chính", "STC"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "SKHĐT"),
    ("STP", "Sở Tư pháp", "Sở Tư pháp", "STP"),
    ("SCT", "Sở Công Thương", "Sở Công Thương", "SCT"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT", "SNN"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Sở TN&MT", "STNMT"),
    ("SXD", "Sở Xây dựng", "Sở Xây dựng", "SXD"),
    ("SGTVT", "Sở Giao thông vận tải", "Sở GTVT", "SGTVT"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "SGDĐT"),
    ("SYT", "Sở Y tế", "Sở Y tế", "SYT"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH", "SLĐTBXH"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Sở VHTTDL", "SVHTTDL"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Sở KH&CN", "SKHCN"),
    ("STTTT", "Sở Thông tin và Truyền thông", "Sở TT&TT", "STTTT"),
    ("TTT", "Thanh tra tỉnh", "Thanh tra tỉnh", "TTr"),
    ("BDT", "Ban Dân tộc", "Ban Dân tộc", "BDT"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp", "BQL các KCN", "BQL"),
    ("CAT", "Công an tỉnh", "Công an tỉnh", "CAT"),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "Bộ CHQS tỉnh", "BCH"),
)
OTHER_UNITS = (
    ("CTH", "Cục Thuế tỉnh Bến Tre", "Cục Thuế tỉnh", "CT"),
    ("KBNN", "Kho bạc Nhà nước Bến Tre", "KBNN Bến Tre", "KBBT"),
    ("BHXH", "Bảo hiểm xã hội tỉnh Bến Tre", "BHXH tỉnh", "BHXH"),
    ("DPTTH", "Đài Phát thanh và Truyền hình Bến Tre", "Đài PT-TH Bến Tre", "ĐPTTH"),
)
DISTRICTS = (
    ("HBT", "UBND thành phố Bến Tre", "TP. Bến Tre", "UBND"),
    ("HBTR", "UBND huyện Ba Tri", "Ba Tri", "UBND"),
    ("HBD", "UBND huyện Bình Đại", "Bình Đại", "UBND"),
    ("HCT", "UBND huyện Châu Thành", "Châu Thành", "UBND"),
    ("HCL", "UBND huyện Chợ Lách", "Chợ Lách", "UBND"),
    ("HGT", "UBND huyện Giồng Trôm", "Giồng Trôm", "UBND"),
    ("HMCB", "UBND huyện Mỏ Cày Bắc", "Mỏ Cày Bắc", "UBND"),
    ("HMCN", "UBND huyện Mỏ Cày Nam", "Mỏ Cày Nam", "UBND"),
    ("HTP", "UBND huyện Thạnh Phú", "Thạnh Phú", "UBND"),
)
ALL_DISTRICTS = tuple(code for code, *_ in DISTRICTS)

# The 2025 two-tier structure (Nghị quyết 202/2025/QH15: Bến Tre merged into Vĩnh Long
# province; no district level): communes and wards directly under the province. The demo keeps
# the district codes of the units its tasks and accounts use, renamed to the commune or ward
# that took over the former district's seat, and adds a few more.
COMMUNES_2025 = (
    ("HBT", "UBND phường An Hội", "P. An Hội", "UBND"),
    ("HBTR", "UBND xã Ba Tri", "Ba Tri", "UBND"),
    ("HBD", "UBND xã Bình Đại", "Bình Đại", "UBND"),
    ("HCT", "UBND xã Châu Thành", "Châu Thành", "UBND"),
    ("HCL", "UBND xã Chợ Lách", "Chợ Lách", "UBND"),
    ("HGT", "UBND xã Giồng Trôm", "Giồng Trôm", "UBND"),
    ("HMCB", "UBND xã Phước Mỹ Trung", "Phước Mỹ Trung", "UBND"),
    ("HMCN", "UBND xã Mỏ Cày", "Mỏ Cày", "UBND"),
    ("HTP", "UBND xã Thạnh Phú", "Thạnh Phú", "UBND"),
    ("PPK", "UBND phường Phú Khương", "P. Phú Khương", "UBND"),
    ("PSD", "UBND phường Sơn Đông", "P. Sơn Đông", "UBND"),
    ("XTX", "UBND xã Tân Xuân", "Tân Xuân", "UBND"),
)
OTHER_UNITS_2025 = (
    ("CTH", "Thuế tỉnh Vĩnh Long", "Thuế tỉnh", "CT"),
    ("KBNN", "Kho bạc Nhà nước khu vực XIX", "KBNN khu vực XIX", "KBNN"),
    ("BHXH", "Bảo hiểm xã hội tỉnh Vĩnh Long", "BHXH tỉnh", "BHXH"),
    ("DPTTH", "Báo và Phát thanh, Truyền hình Vĩnh Long", "Báo và PT-TH Vĩnh Long", "ĐPTTH"),
)
# Sub-units (Đ9.2a, Đ10.2c): (parent code, code, name, short name, kind). A department's
# divisions in both models; a district's divisions and communes in the 2020 model.
DEPARTMENT_DIVISIONS = (
    ("SNV", "SNV-TDKT", "Ban Thi đua - Khen thưởng", "Ban TĐ-KT", "division"),
    ("SNV", "SNV-VTLT", "Chi cục Văn thư - Lưu trữ", "Chi cục VT-LT", "division"),
)
DISTRICT_SUBUNITS_2020 = (
    ("HBT", "HBT-PNV", "Phòng Nội vụ thành phố Bến Tre", "Phòng Nội vụ TP", "division"),
    ("HBT", "HBT-TCKH", "Phòng Tài chính - Kế hoạch thành phố Bến Tre", "Phòng TC-KH TP",
     "division"),
    ("HBT", "HBT-PAH", "UBND phường An Hội", "P. An Hội", "commune"),
    ("HBT", "HBT-PPK", "UBND phường Phú Khương", "P. Phú Khương", "commune"),
    ("HBT", "HBT-XPH", "UBND xã Phú Hưng", "Xã Phú Hưng", "commune"),
    ("HBT", "HBT-XMTA", "UBND xã Mỹ Thạnh An", "Xã Mỹ Thạnh An", "commune"),
)
MODELS = ("2020", "2025")


@dataclass(frozen=True)
class Topic:
    """A subject of direction: who leads it, who helps, which Office division follows it."""

    phrase: str
    leads: tuple[str, ...]
    coops: tuple[str, ...]
    division: str
    districts: tuple[str, ...] = ALL_DISTRICTS
    hazard: bool = False


NONE: tuple[str, ...] = ()
TOPICS = (
    Topic("công tác cải cách hành chính", ("SNV",), ("STP", "STTTT"), "VP-TH"),
    Topic("việc sắp xếp đơn vị hành chính cấp xã", ("SNV",), ("STC", "STNMT", "CAT"), "VP-NC"),
    Topic("công tác thi đua, khen thưởng", ("SNV",), ("STC", "SLDTBXH"), "VP-HCTC"),
    Topic("công tác tuyển dụng, đào tạo, bồi dưỡng cán bộ, công chức, viên chức", ("SNV",),
          ("STC",), "VP-NC"),
    Topic("việc siết chặt kỷ luật, kỷ cương hành chính và đạo đức công vụ", ("SNV",), ("TTT",),
          "VP-NC"),
    Topic("công tác chuyển đổi số và Đề án 06/CP", ("STTTT", "CAT"), ("SNV", "STC"), "VP-TH"),
    Topic("giải ngân vốn đầu tư công", ("SKHDT", "STC"), ("KBNN", "SXD", "SGTVT"), "VP-KT"),
    Topic("công tác thu, chi ngân sách nhà nước", ("STC", "CTH"), ("KBNN",), "VP-KT"),
    Topic("công tác phòng, chống hạn hán, xâm nhập mặn", ("SNNPTNT",),
          ("STNMT", "SCT", "DPTTH"), "VP-KT", hazard=True),
    Topic("Chương trình mục tiêu quốc gia xây dựng nông thôn mới", ("SNNPTNT",),
          ("STC", "SKHDT"), "VP-KT"),
    Topic("Chương trình mục tiêu quốc gia giảm nghèo bền vững", ("SLDTBXH",), ("STC", "BDT"),
          "VP-KGVX"),
    Topic("Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc "
          "thiểu số", ("BDT",), ("SLDTBXH", "STC"), "VP-KGVX"),
    Topic("công tác quản lý đất đai, cấp giấy chứng nhận quyền sử dụng đất", ("STNMT",),
          ("STP", "CTH"), "VP-KT"),
    Topic("công tác bồi thường, giải phóng mặt bằng dự án cầu Rạch Miễu 2", ("SGTVT",),
          ("STNMT", "STC"), "VP-KT", districts=("HCT",)),
    Topic("dự án đường bộ ven biển tỉnh Bến Tre", ("SGTVT",), ("SKHDT", "STNMT"), "VP-KT",
          districts=("HBD", "HBTR", "HTP")),
    Topic("công tác phòng, chống dịch bệnh sốt xuất huyết, tay chân miệng", ("SYT",),
          ("SGDDT", "DPTTH"), "VP-KGVX", hazard=True),
    Topic("công tác tổ chức Kỳ thi tốt nghiệp trung học phổ thông", ("SGDDT",), ("CAT", "SYT"),
          "VP-KGVX"),
    Topic("phát triển du lịch gắn với sản phẩm OCOP", ("SVHTTDL",), ("SNNPTNT", "SCT"),
          "VP-KGVX"),
    Topic("công tác phòng, chống tham nhũng, tiêu cực", ("TTT",), ("SNV", "STP"), "VP-NC"),
    Topic("công tác tiếp công dân, giải quyết khiếu nại, tố cáo", ("TTT",), ("STNMT", "SNV"),
          "VP-TCD"),
    Topic("công tác bảo đảm trật tự, an toàn giao thông", ("CAT", "SGTVT"), ("SGDDT",), "VP-NC"),
    Topic("công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ", ("CAT",), ("SXD", "SCT"), "VP-NC"),
    Topic("công tác tuyển chọn và gọi công dân nhập ngũ", ("BCHQS",), ("CAT", "SYT"), "VP-NC"),
    Topic("công tác xây dựng, kiểm tra và rà soát văn bản quy phạm pháp luật", ("STP",),
          ("SNV",), "VP-NC"),
    Topic("các giải pháp nâng cao chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", ("SKHDT",),
          ("SNV", "STP", "STTTT"), "VP-KT"),
    Topic("công tác thu hút đầu tư vào các khu công nghiệp Giao Long, An Hiệp, Phú Thuận",
          ("BQLKCN",), ("SKHDT", "STNMT"), "VP-KT", districts=("HCT", "HBD")),
    Topic("phát triển thương mại điện tử và xúc tiến thương mại", ("SCT",), ("STTTT",), "VP-KT"),
    Topic("công tác quản lý trật tự xây dựng và phát triển nhà ở xã hội", ("SXD",), ("STNMT",),
          "VP-KT"),
    Topic("ứng dụng khoa học, công nghệ và đổi mới sáng tạo", ("SKHCN",), ("STTTT",), "VP-KGVX",
          districts=NONE),
    Topic("công tác chống khai thác hải sản bất hợp pháp, không báo cáo và không theo quy định "
          "(IUU)", ("SNNPTNT",), ("BCHQS", "CAT"), "VP-KT", districts=("HBD", "HBTR", "HTP")),
    Topic("công tác thu gom, xử lý chất thải rắn sinh hoạt", ("STNMT",), ("SXD",), "VP-KT"),
    Topic("Đề án phát triển ngành dừa Bến Tre", ("SNNPTNT", "SCT"), ("SKHCN",), "VP-KT"),
    Topic("chính sách bảo hiểm xã hội, bảo hiểm y tế toàn dân", ("BHXH", "SYT"),
          ("SLDTBXH", "STC"), "VP-KGVX"),
    Topic("công tác giáo dục nghề nghiệp và giải quyết việc làm", ("SLDTBXH",), ("SGDDT",),
          "VP-KGVX"),
    Topic("công tác ứng phó triều cường, sạt lở bờ sông, bờ biển", ("SNNPTNT",),
          ("BCHQS", "STNMT"), "VP-KT", hazard=True),
    Topic("công tác phòng, chống dịch tả heo châu Phi", ("SNNPTNT",), ("SCT", "CAT"), "VP-KT",
          hazard=True),
    Topic("công tác thông tin, tuyên truyền về các sự kiện chính trị của tỉnh", ("STTTT",),
          ("DPTTH", "SVHTTDL"), "VP-KGVX"),
)

# The ministry whose letter a handling slip (phiếu xử lý) passes on, by the topic's lead.
MINISTRIES = {
    "SNV": ("BNV", "Bộ Nội vụ"), "STC": ("BTC", "Bộ Tài chính"),
    "SKHDT": ("BKHĐT", "Bộ Kế hoạch và Đầu tư"), "STP": ("BTP", "Bộ Tư pháp"),
    "SCT": ("BCT", "Bộ Công Thương"), "SNNPTNT": ("BNNPTNT", "Bộ Nông nghiệp và Phát triển nông thôn"),
    "STNMT": ("BTNMT", "Bộ Tài nguyên và Môi trường"), "SXD": ("BXD", "Bộ Xây dựng"),
    "SGTVT": ("BGTVT", "Bộ Giao thông vận tải"), "SGDDT": ("BGDĐT", "Bộ Giáo dục và Đào tạo"),
    "SYT": ("BYT", "Bộ Y tế"), "SLDTBXH": ("BLĐTBXH", "Bộ Lao động - Thương binh và Xã hội"),
    "SVHTTDL": ("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch"),
    "SKHCN": ("BKHCN", "Bộ Khoa học và Công nghệ"), "STTTT": ("BTTTT", "Bộ Thông tin và Truyền thông"),
    "TTT": ("TTCP", "Thanh tra Chính phủ"), "BDT": ("UBDT", "Ủy ban Dân tộc"),
    "CAT": ("BCA", "Bộ Công an"), "BCHQS": ("BQP", "Bộ Quốc phòng"),
}
DEFAULT_MINISTRY = ("VPCP", "Văn phòng Chính phủ")

CHAIRMAN = "Huỳnh Quốc Thái"
VICE_CHAIRMEN = ("Đoàn Thị Mỹ Hạnh", "Lưu Văn Khang", "Tạ Minh Đức")
OFFICE_SIGNERS = ("Chánh Văn phòng Trần Văn Phúc", "Phó Chánh Văn phòng Ngô Thị Bích Thủy")

# Document types with their weight, number symbol and roughly how many a year the issuer signs
# (so numbers grow with the date like real registers do).
DOC_TYPES = {
    DocType.cong_van: (34, "UBND-{div}", 19.0),
    DocType.thong_bao_ket_luan: (18, "TB-VPUBND", 1.4),
    DocType.ke_hoach: (15, "KH-UBND", 1.1),
    DocType.quyet_dinh: (10, "QĐ-UBND", 8.0),
    DocType.chi_thi: (5, "CT-UBND", 0.06),
    DocType.cong_dien: (4, "CĐ-UBND", 0.04),
    DocType.chuong_trinh_cong_tac: (4, "CTr-UBND", 0.1),
    DocType.phieu_xu_ly: (10, "PXL-VPUBND", 5.0),
}

SUMMARIES = {
    DocType.cong_van: ("Về việc triển khai thực hiện {p}",
                       "Về việc báo cáo tình hình thực hiện {p}",
                       "Về việc chấn chỉnh, nâng cao hiệu quả {p}",
                       "Về việc đẩy nhanh tiến độ thực hiện {p}"),
    DocType.ke_hoach: ("Triển khai thực hiện {p} trên địa bàn tỉnh Bến Tre năm {y}",
                       "Kiểm tra việc thực hiện {p} năm {y}"),
    DocType.quyet_dinh: ("Về việc ban hành Kế hoạch thực hiện {p} giai đoạn {y} - {y4}",
                         "Về việc thành lập Tổ công tác chỉ đạo, đôn đốc thực hiện {p}"),
    DocType.chi_thi: ("Về tăng cường chỉ đạo thực hiện {p}",),
    DocType.cong_dien: ("Về việc tập trung chỉ đạo {p}",),
    DocType.thong_bao_ket_luan: ("Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về {p}",
                                 "Kết luận của Phó Chủ tịch UBND tỉnh {vice} tại buổi làm việc "
                                 "với {lead} về {p}"),
    DocType.phieu_xu_ly: ("Xử lý Công văn số {n}/{msym}-VP của {ministry} về {p}",),
}
# Documents that gather tasks on many topics.
MULTI_TOPIC_SUMMARIES = {
    DocType.thong_bao_ket_luan: "Kết luận của Chủ tịch UBND tỉnh tại phiên họp UBND tỉnh "
                                "thường kỳ tháng {m}/{y}",
    DocType.chuong_trinh_cong_tac: "Chương trình công tác của UBND tỉnh quý {q} năm {y}",
}
# Documents that assign nothing to follow up (Đ4): (type, number symbol, summary).
UNTRACKED_SUMMARIES = (
    (DocType.cong_van, "UBND-TH", "Về việc cử đại biểu tham dự Hội nghị trực tuyến toàn quốc "
                                  "về {p}"),
    (DocType.cong_van, "UBND-TH", "Về việc góp ý dự thảo Thông tư hướng dẫn liên quan đến {p}"),
    (DocType.other, "TB-VPUBND", "Thông báo lịch tiếp công dân định kỳ của Chủ tịch UBND tỉnh "
                                 "tháng {m}/{y}"),
    (DocType.other, "GM-UBND", "Giấy mời dự hội nghị sơ kết {p}"),
)

# Task templates: (expected product, text). {p} topic, {y} year, {period}, {main} lead agency.
DEPARTMENT_TASKS = (
    (ExpectedProduct.report, "Báo cáo kết quả thực hiện {p} {period}"),
    (ExpectedProduct.report, "Tổng hợp, báo cáo UBND tỉnh tình hình thực hiện {p}; đề xuất giải "
                             "pháp tháo gỡ khó khăn, vướng mắc"),
    (ExpectedProduct.report, "Kiểm tra, đôn đốc các địa phương thực hiện {p}; báo cáo kết quả về "
                             "UBND tỉnh"),
    (ExpectedProduct.draft_document, "Tham mưu UBND tỉnh ban hành Kế hoạch triển khai {p} năm {y}"),
    (ExpectedProduct.draft_document, "Tham mưu văn bản chỉ đạo của Chủ tịch UBND tỉnh để chấn "
                                     "chỉnh những hạn chế trong {p}"),
    (ExpectedProduct.draft_document, "Rà soát, đề xuất sửa đổi, bổ sung các quy định của UBND "
                                     "tỉnh liên quan đến {p}"),
    (ExpectedProduct.project, "Nghiên cứu, đề xuất giải pháp đột phá để thực hiện có hiệu quả {p} "
                              "giai đoạn {y1} - {y5}, trình UBND tỉnh"),
    (ExpectedProduct.other, "Tổ chức sơ kết {period} thực hiện {p}; kiến nghị những nội dung cần "
                            "UBND tỉnh chỉ đạo"),
    (ExpectedProduct.other, "Chủ trì, phối hợp các sở, ngành, địa phương xử lý dứt điểm các tồn "
                            "tại, hạn chế trong {p}"),
)
DISTRICT_TASKS = (
    (ExpectedProduct.report, "Báo cáo kết quả thực hiện {p} trên địa bàn {period}"),
    (ExpectedProduct.other, "Chỉ đạo UBND cấp xã triển khai {p}; báo cáo kết quả về UBND tỉnh "
                            "(qua {main})"),
    (ExpectedProduct.other, "Rà soát, giải quyết dứt điểm kiến nghị của cử tri liên quan đến {p} "
                            "trên địa bàn"),
    (ExpectedProduct.other, "Ban hành kế hoạch của địa phương để triển khai {p} năm {y}"),
)
PERIODS = ("6 tháng đầu năm {y}", "9 tháng năm {y}", "năm {y}", "quý {q} năm {y}")

PROGRESS_TEXTS = (
    "Đã tổ chức họp triển khai, phân công nhiệm vụ cho các phòng chuyên môn.",
    "Đã có văn bản đề nghị các sở, ngành, địa phương cung cấp số liệu; đang tổng hợp.",
    "Đã xây dựng dự thảo, gửi lấy ý kiến các cơ quan, đơn vị liên quan.",
    "Đang tiếp thu ý kiến góp ý, hoàn chỉnh dự thảo.",
    "Đã gửi hồ sơ đề nghị Sở Tư pháp thẩm định.",
    "Đã tổ chức kiểm tra thực tế tại một số địa phương; đang tổng hợp kết quả.",
    "Đang hoàn chỉnh báo cáo, dự kiến trình lãnh đạo đơn vị ký ban hành trong tuần.",
    "Đã làm việc với các đơn vị liên quan, thống nhất phương án thực hiện.",
)
LATE_PROGRESS_TEXTS = (
    "Nhiệm vụ chậm do chờ số liệu của các địa phương; đơn vị đã có văn bản đôn đốc.",
    "Đang phối hợp các đơn vị liên quan tháo gỡ vướng mắc về kinh phí thực hiện.",
)
CONTRIBUTION_TEXTS = (
    "Đã cung cấp số liệu thuộc lĩnh vực phụ trách cho đơn vị chủ trì tổng hợp.",
    "Đã có ý kiến góp ý đối với dự thảo do đơn vị chủ trì gửi.",
    "Đã cử cán bộ tham gia tổ công tác liên ngành theo đề nghị của đơn vị chủ trì.",
)
RETURN_REASONS = (
    (ReturnReason.outside_remit, "Nội dung nhiệm vụ thuộc chức năng, nhiệm vụ của {other}; đề nghị "
                                 "Văn phòng UBND tỉnh chuyển đơn vị chủ trì phù hợp."),
    (ReturnReason.inaccurate_content, "Thời hạn thực hiện không phù hợp với lộ trình tại văn bản "
                                      "của Trung ương; đề nghị điều chỉnh nội dung, thời hạn."),
    (ReturnReason.missing_task, "Văn bản chỉ đạo còn nội dung giao cho đơn vị nhưng chưa được cập "
                                "nhật thành nhiệm vụ; đề nghị bổ sung."),
    (ReturnReason.other, "Đơn vị đã được giao nhiệm vụ tương tự tại văn bản trước; đề nghị gộp để "
                         "theo dõi chung."),
)
CANCEL_REASONS = (
    "Nội dung nhiệm vụ đã được điều chỉnh tại văn bản chỉ đạo mới; không tiếp tục theo dõi.",
    "Nhiệm vụ trùng với nhiệm vụ đã giao trước đó; gộp để theo dõi chung.",
    "Theo ý kiến chỉ đạo của Chủ tịch UBND tỉnh tại cuộc họp giao ban, dừng thực hiện nhiệm vụ.",
)
REJECT_COMMENTS = (
    "Báo cáo chưa có số liệu của các huyện Ba Tri, Thạnh Phú; đề nghị bổ sung.",
    "Sản phẩm chưa đúng yêu cầu: chưa đề xuất giải pháp cụ thể; đề nghị hoàn chỉnh.",
)
VERIFY_COMMENTS = ("Kết quả đạt yêu cầu.", "Đạt yêu cầu; đề nghị đơn vị tiếp tục theo dõi triển khai.",
                   "")
URGING_NOTES = (
    "Đề nghị đơn vị khẩn trương thực hiện, báo cáo kết quả về UBND tỉnh (qua Văn phòng UBND tỉnh).",
    "Nhắc đơn vị cập nhật tiến độ nhiệm vụ đã quá hạn trên Hệ thống.",
)
RESULT_SUMMARIES = {
    ExpectedProduct.report: ("Đã báo cáo UBND tỉnh kết quả thực hiện tại Báo cáo số {num} ngày {d}.",
                             "BC"),
    ExpectedProduct.draft_document: ("Đã trình UBND tỉnh dự thảo văn bản tại Tờ trình số {num} "
                                     "ngày {d}.", "TTr"),
    ExpectedProduct.project: ("Đã hoàn chỉnh Đề án, trình UBND tỉnh tại Tờ trình số {num} ngày {d}.",
                              "TTr"),
    ExpectedProduct.other: ("Đã tổ chức thực hiện xong nội dung được giao; kết quả báo cáo tại Công "
                            "văn số {num} ngày {d}.", ""),
}

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Trương", "Đoàn", "Châu", "Lâm")
MALE = (("Văn", "Minh", "Thanh", "Quốc", "Hữu", "Công", "Đức"),
        ("Hùng", "Dũng", "Tâm", "Phong", "Khang", "Thắng", "Trí", "Nghĩa", "Hải", "Long", "Sơn",
         "Tài", "Hiếu", "Thiện"))
FEMALE = (("Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thùy"),
          ("Lan", "Hương", "Thảo", "Trinh", "Yến", "Nhung", "Hạnh", "Diễm", "Loan", "Vy", "Thủy",
           "Quyên"))

S = TaskState


@dataclass(frozen=True)
class Scenario:
    """Where a task ends up: its state and deadline class, how common it is, and how many days
    after forwarding (min, max) the story needs."""

    state: TaskState
    kind: str
    weight: float
    min_days: int
    max_days: int = 10_000


SCENARIOS = (
    Scenario(S.draft, "draft", 4, 1, 20),
    Scenario(S.assigned, "on_time", 4, 1, 45),
    Scenario(S.assigned, "due_soon", 1.5, 2, 45),
    Scenario(S.assigned, "overdue", 3, 12, 120),
    Scenario(S.assigned, "none", 1.5, 1, 45),
    Scenario(S.returned, "on_time", 2, 1, 40),
    Scenario(S.returned, "overdue", 1, 12, 120),
    Scenario(S.in_progress, "on_time", 14, 2),
    Scenario(S.in_progress, "due_soon", 3, 5),
    Scenario(S.in_progress, "overdue", 9, 12),
    Scenario(S.in_progress, "none", 6, 7),
    Scenario(S.pending_verification, "on_time", 3, 8),
    Scenario(S.pending_verification, "overdue", 1.5, 15),
    Scenario(S.pending_verification, "none", 1, 15),
    Scenario(S.completed, "on_time", 25, 10),
    Scenario(S.completed, "late", 10, 20),
    Scenario(S.completed, "none", 5, 25),
    Scenario(S.cancelled, "any", 3, 5),
)


@dataclass
class _DocPlan:
    issued_on: dt.date
    entry_day: dt.date
    doc_type: DocType | None     # None: not tracked (Đ4), the type is chosen when built
    topic: Topic | None          # None: tasks on many topics
    tasks: list[_TaskPlan] = field(default_factory=list)


@dataclass
class _TaskPlan:
    doc: _DocPlan
    forward_day: dt.date
    topic: Topic
    scenario: Scenario
    lead: Unit | None = None
    coops: list[Unit] = field(default_factory=list)
    reforward_from: Unit | None = None


@dataclass
class _Built:
    """A built task and the day it was received, which an extension request must follow."""

    plan: _TaskPlan
    task: Task
    received: dt.date | None = None


def load_demo(task_count: int = 300, today: dt.date | None = None, model: str = "2020") -> None:
    """Fill an empty database with the demo; the caller commits. ``model``: the 2020
    structure (districts, with divisions and communes under TP. Bến Tre) or the 2025 two-tier
    one (communes and wards directly under the province)."""
    if model not in MODELS:
        raise ValueError(model)
    _DemoBuilder(task_count, today or local_today(), model).run()


class _DemoBuilder:
    def __init__(self, task_count: int, today: dt.date, model: str = "2020"):
        self.model = model
        self.rng = random.Random(2020)
        self.task_count = task_count
        self.today = today
        self.yesterday = today - dt.timedelta(days=1)
        self.tz = local_tz()
        # The calendar of an empty database is the package's plus the seeded overrides.
        self.cal = WorkingCalendar({day: (kind, name) for day, kind, name, _ in SEED_OVERRIDES})
        self.units: dict[str, Unit] = {}
        self.symbols: dict[str, str] = {}
        self.heads: dict[str, User] = {}     # by unit code
        self.staff: dict[str, User] = {}
        self.rows: list = []
        self.numbers: set[tuple[str, int, str]] = set()
        self.demo_users: dict[str, User] = {}
        self.counts: dict[Scenario, int] = {s: 0 for s in SCENARIOS}
        # The states each demo unit already leads a task in, while planning.
        self.lead_states: dict[str, set[TaskState]] = {code: set() for code in DEMO_UNIT_CODES}

    # --- dates ---------------------------------------------------------------------------
    def days(self, n: int) -> dt.timedelta:
        return dt.timedelta(days=n)

    def pick(self, lo: dt.date, hi: dt.date) -> dt.date:
        """A past day in [lo, hi] (lo when the window is empty), a working day if any is.

        Both ends are capped at yesterday: nothing in the demo happens today or later.
        """
        lo, hi = min(lo, self.yesterday), min(hi, self.yesterday)
        if hi <= lo:
            return lo
        day = lo + self.days(self.rng.randint(0, (hi - lo).days))
        return self.snap(day, lo, hi)

    def snap(self, day: dt.date, lo: dt.date, hi: dt.date) -> dt.date:
        """The nearest working day to ``day`` within [lo, hi], else ``day`` itself."""
        for step in range(0, 12):
            for candidate in (day - self.days(step), day + self.days(step)):
                if lo <= candidate <= hi and self.cal.is_working_day(candidate):
                    return candidate
        return day

    def after(self, day: dt.date, n: int, cap: dt.date | None = None) -> dt.date:
        """The n-th working day after ``day``, at most ``cap`` (yesterday by default)."""
        return min(self.cal.add_working_days(day, n), cap or self.yesterday)

    def stamp(self, day: dt.date, minutes: int) -> dt.datetime:
        """A UTC timestamp ``minutes`` after local midnight of ``day``."""
        local = dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(minutes=minutes)
        return local.astimezone(dt.UTC)

    def office_time(self, day: dt.date) -> dt.datetime:
        return self.stamp(day, self.rng.randint(7 * 60 + 30, 16 * 60 + 30))

    # --- the whole run -------------------------------------------------------------------
    def run(self) -> None:
        self.make_units()
        seed_overrides()
        self.make_accounts()
        db.session.flush()
        plans = self.plan_documents()
        self.repair_coverage(plans)
        built = self.build(plans)
        self.add_extensions(built)
        db.session.add_all(self.rows)
        db.session.flush()
        self.inside_units()

    def inside_units(self) -> None:
        """Đ8.2b, Đ9.2a: in each demo unit with sub-units, its officer handles a task in
        progress, and part of it is delegated to a sub-unit (a sub-task, in progress)."""
        for code in DEMO_UNIT_CODES:
            children = [self.units[c] for c in self.subunit_codes
                        if self.units[c].parent is self.units[code]]
            officer = self.staff.get(code)
            task = db.session.scalar(sa.select(Task).where(
                Task.lead_unit_id == self.units[code].id,
                Task.state.in_((S.in_progress, S.assigned)),
                sa.or_(Task.deadline > self.today, Task.deadline.is_(None)))
                .order_by(Task.state != S.in_progress, Task.deadline.is_(None), Task.id))
            if task is None or officer is None:
                continue
            head = self.head(self.units[code])
            task.officers = [officer]
            day = self.yesterday
            story = _Story(self, task, self.stamp(day, 8 * 60))
            story.history(day, head, "assign_officers", reason=officer.full_name,
                          data={"officer_ids": [officer.id], "previous_officer_ids": []})
            if not children:
                db.session.add_all(story.rows)
                continue
            child = sorted(children, key=lambda u: u.kind.code != "commune")[0]
            deadline = self.cal.add_working_days(self.today, 10)
            deadline = min(task.deadline, deadline) if task.deadline else deadline
            sub = Task(document_id=task.document_id, parent_task=task, lead_unit=child,
                       content=f"Phần việc giao {child.short_name or child.name}: "
                               f"{task.content[:200]}",
                       has_deadline=True, deadline=deadline, original_deadline=deadline,
                       update_frequency=task.update_frequency, priority=task.priority,
                       directing_leader_id=task.directing_leader_id, state=S.in_progress,
                       assigned_at=self.stamp(day, 9 * 60), received_at=self.stamp(day, 10 * 60),
                       percent_complete=30, created_at=self.stamp(day, 9 * 60))
            db.session.add(sub)
            db.session.flush()
            story.history(day, head, "delegate", reason=sub.content,
                          data={"subtask_id": sub.id, "unit_id": child.id,
                                "deadline": deadline.isoformat()})
            sub_story = _Story(self, sub, self.stamp(day, 9 * 60))
            sub_story.history(day, head, "delegate", to_state=S.assigned,
                              data={"parent_task_id": task.id, "lead_unit_id": child.id})
            sub_story.history(day, self.head(child), "receive", from_state=S.assigned,
                              to_state=S.in_progress)
            db.session.add_all(story.rows + sub_story.rows)
        db.session.flush()

    def make_units(self) -> None:
        kinds = seed_unit_kinds()
        office = Unit(code=OFFICE[0], name=OFFICE[1], short_name=OFFICE[2], kind=kinds["office"],
                      sort_order=10)
        self.units[office.code] = office
        two_tier = self.model == "2025"
        groups = ((OFFICE_DIVISIONS, "office_division", 11),
                  (DEPARTMENTS, "department", 100),
                  (COMMUNES_2025 if two_tier else DISTRICTS, "commune" if two_tier else "district",
                   200),
                  (OTHER_UNITS_2025 if two_tier else OTHER_UNITS, "other", 300))
        for rows, kind, start in groups:
            for index, (code, name, short, _symbol) in enumerate(rows):
                self.units[code] = Unit(code=code, name=name, short_name=short, kind=kinds[kind],
                                        sort_order=start + index,
                                        parent=office if kind == "office_division" else None)
        self.symbols.update({code: symbol for rows, *_ in groups for code, _n, _s, symbol in rows})
        subunits = DEPARTMENT_DIVISIONS + (() if two_tier else DISTRICT_SUBUNITS_2020)
        self.subunit_codes = []
        for index, (parent, code, name, short, kind) in enumerate(subunits):
            self.units[code] = Unit(code=code, name=name, short_name=short, kind=kinds[kind],
                                    sort_order=400 + index, parent=self.units[parent])
            self.subunit_codes.append(code)
        db.session.add_all(self.units.values())

    def person(self) -> str:
        middles, givens = MALE if self.rng.random() < 0.55 else FEMALE
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(middles)} {self.rng.choice(givens)}"

    def make_accounts(self) -> None:
        for username, role, unit_code, full_name in DEMO_ACCOUNTS:
            self.demo_users[username] = create_user(username, role=role, unit=self.units[unit_code],
                                                    password=DEMO_PASSWORD, full_name=full_name)
        self.specialist = self.demo_users["chuyenvien"]
        self.leader = self.demo_users["lanhdao"]
        self.leader.position = LeaderPosition.office_chief
        self.leaders_by_name = {self.leader.full_name: self.leader}
        for username, position, full_name, sectors in LEADER_ACCOUNTS:
            user = create_user(username, role=Role.leader, unit=self.units["VP"],
                               password=DEMO_PASSWORD, full_name=full_name,
                               position=position, sectors=sectors)
            self.leaders_by_name[full_name] = user
        taken = {(u.unit.code, u.role) for u in self.demo_users.values()}
        shared_hash = hash_password(DEMO_PASSWORD)
        background = []
        subunit_rows = [(code,) for code in self.subunit_codes]
        communes = COMMUNES_2025 if self.model == "2025" else DISTRICTS
        for rows, head_prefix in ((DEPARTMENTS, "giamdoc"), (communes, "chutich"),
                                  (OTHER_UNITS, "thutruong"), (subunit_rows, "truong")):
            for code, *_ in rows:
                for role, prefix in ((Role.unit_leader, head_prefix), (Role.unit_staff, "canbo")):
                    if (code, role) in taken:
                        continue
                    background.append(User(
                        username=f"{prefix}.{code.lower()}", role=role, unit=self.units[code],
                        full_name=self.person(), password_hash=shared_hash, active=True))
        db.session.add_all(background)
        for user in [*self.demo_users.values(), *background]:
            if user.role == Role.unit_leader:
                self.heads[user.unit.code] = user
            elif user.role == Role.unit_staff:
                self.staff[user.unit.code] = user

    def head(self, unit: Unit) -> User:
        return self.heads.get(unit.code) or self.staff[unit.code]

    def officer(self, unit: Unit) -> User:
        return self.staff.get(unit.code) or self.heads[unit.code]

    # --- planning: which task ends where -------------------------------------------------
    def plan_documents(self) -> list[_DocPlan]:
        rng = self.rng
        quota = {s: s.weight * self.task_count / sum(x.weight for x in SCENARIOS) for s in SCENARIOS}
        docs: list[_DocPlan] = []
        planned = 0
        while planned < self.task_count:
            age = rng.randint(1, 14) if rng.random() < 0.18 else rng.randint(15, 185)
            issued = self.snap(self.today - self.days(age), self.today - self.days(age + 6),
                               self.yesterday)
            delay = rng.choices((0, 1, 2, 3, 4, 6), weights=(35, 45, 6, 6, 4, 4))[0]
            entry_day = max(self.after(issued, delay), issued)
            if rng.random() < 0.07:
                docs.append(_DocPlan(issued, entry_day, None, rng.choice(TOPICS)))
                continue
            doc_type = rng.choices(list(DOC_TYPES), weights=[w for w, *_ in DOC_TYPES.values()])[0]
            multi = doc_type == DocType.chuong_trinh_cong_tac or (
                doc_type == DocType.thong_bao_ket_luan and rng.random() < 0.3)
            pool = [t for t in TOPICS if t.hazard] if doc_type == DocType.cong_dien else TOPICS
            doc = _DocPlan(issued, entry_day, doc_type, None if multi else rng.choice(pool))
            docs.append(doc)
            size = rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5) if multi else (1, 1, 2, 2, 2, 3, 3, 4))
            for _ in range(min(size, self.task_count - planned)):
                forward_day = entry_day if rng.random() < 0.85 else self.after(entry_day, rng.randint(1, 3))
                topic = doc.topic or rng.choice(TOPICS)
                scenario = self.choose_scenario((self.today - forward_day).days, quota)
                self.counts[scenario] += 1
                plan = _TaskPlan(doc, forward_day, topic, scenario)
                plan.lead = self.choose_lead(topic, scenario.state)
                plan.coops = self.choose_coops(topic, plan.lead)
                doc.tasks.append(plan)
                planned += 1
        return docs

    def choose_scenario(self, days: int, quota: dict) -> Scenario:
        fits = [s for s in SCENARIOS if s.min_days <= days <= s.max_days]
        missing = [s for s in fits if self.counts[s] == 0]
        if missing:
            return self.rng.choice(missing)
        short = [s for s in fits if quota[s] > self.counts[s]]
        if short:
            return self.rng.choices(short, weights=[quota[s] - self.counts[s] for s in short])[0]
        return self.rng.choices(fits, weights=[s.weight for s in fits])[0]

    def lead_candidates(self, topic: Topic) -> tuple[list[Unit], list[Unit]]:
        return ([self.units[c] for c in topic.leads], [self.units[c] for c in topic.districts])

    def choose_lead(self, topic: Topic, state: TaskState) -> Unit:
        leads, districts = self.lead_candidates(topic)
        for code in DEMO_UNIT_CODES:
            unit = self.units[code]
            if unit in leads + districts and state not in self.lead_states[code]:
                self.lead_states[code].add(state)
                return unit
        if districts and self.rng.random() < 0.35:
            return self.rng.choice(districts)
        return self.rng.choice(leads)

    def choose_coops(self, topic: Topic, lead: Unit) -> list[Unit]:
        pool = [self.units[c] for c in (*topic.coops, *topic.leads) if c != lead.code]
        if lead.category != UnitCategory.district:
            pool += [self.units[c] for c in topic.districts[:3]]
        if self.rng.random() < 0.15 and lead.code not in DEMO_UNIT_CODES:
            pool.append(self.units[self.rng.choice(DEMO_UNIT_CODES)])
        unique = list(dict.fromkeys(pool))
        count = self.rng.choices((0, 1, 2), weights=(35, 40, 25))[0]
        return self.rng.sample(unique, min(count, len(unique)))

    def repair_coverage(self, docs: list[_DocPlan]) -> None:
        """Make sure small runs still show every scenario and the demo units' views."""
        plans = [p for d in docs for p in d.tasks]
        for scenario in SCENARIOS:
            if self.counts[scenario]:
                continue
            for plan in plans:
                days = (self.today - plan.forward_day).days
                if (self.counts[plan.scenario] > 1 and scenario.min_days <= days <= scenario.max_days
                        and plan.lead.code not in DEMO_UNIT_CODES):
                    self.counts[plan.scenario] -= 1
                    self.counts[scenario] += 1
                    plan.scenario = scenario
                    break
        # Each demo unit leads a task in every state, and one in progress and not overdue:
        # the task its officer handles and part of which a sub-unit does (``inside_units``;
        # its sub-task's deadline is ahead). Whatever the day the demo is built on.
        wanted_lead = [(lambda p, state=state: p.scenario.state == state) for state in TaskState]
        wanted_lead.append(lambda p: p.scenario.state == S.in_progress
                           and p.scenario.kind in ("on_time", "none"))
        for code in DEMO_UNIT_CODES:
            unit = self.units[code]
            for wanted in wanted_lead:
                if any(p.lead is unit and wanted(p) for p in plans):
                    continue
                donors = [p for p in plans if wanted(p) and p.lead.code not in DEMO_UNIT_CODES]
                # Prefer a task whose topic this unit can plausibly lead, then a many-topic one.
                donors.sort(key=lambda p: (unit not in sum(self.lead_candidates(p.topic), []),
                                           p.doc.topic is not None))
                if not donors:
                    continue
                plan = donors[0]
                if unit not in sum(self.lead_candidates(plan.topic), []):
                    plan.topic = next(t for t in TOPICS if code in t.leads or code in t.districts)
                plan.lead = unit
                plan.coops = [u for u in plan.coops if u is not unit]
            cooperating = [p for p in plans if unit in p.coops]
            wanted = (S.assigned, S.in_progress, S.pending_verification, S.completed)
            for state in wanted:
                if any(p.scenario.state == state for p in cooperating):
                    continue
                for plan in plans:
                    if (plan.scenario.state == state and plan.lead.code not in DEMO_UNIT_CODES
                            and len(plan.coops) < 3):
                        plan.coops.append(unit)
                        break
        # A few tasks were first sent to the wrong unit, returned and re-forwarded.
        for plan in plans:
            if (plan.scenario.state in (S.assigned, S.in_progress, S.completed)
                    and (self.today - plan.forward_day).days >= 10 and self.rng.random() < 0.06):
                others = [self.units[c] for c in ("STNMT", "SKHDT", "SNV", "STC")
                          if self.units[c] is not plan.lead and self.units[c] not in plan.coops]
                plan.reforward_from = self.rng.choice(others) if others else None

    # --- building rows -------------------------------------------------------------------
    def build(self, docs: list[_DocPlan]) -> list[_Built]:
        built: list[_Built] = []
        with db.session.no_autoflush:
            for plan in docs:
                doc = self.build_document(plan)
                self.rows.append(doc)
                forwards, blocked = [], False
                for task_plan in plan.tasks:
                    item, forwarded_at = self.build_task(task_plan, doc)
                    built.append(item)
                    blocked = blocked or item.task.state in (S.draft, S.returned)
                    if forwarded_at:
                        forwards.append(forwarded_at)
                # Đ7.2e: the file is done when no task is left to (re-)forward.
                if forwards and not blocked:
                    doc.forwarded_at = max(forwards)
        return built

    def next_number(self, rate: float, issuer: str, issued: dt.date, symbol: str) -> str:
        """A number that grows with the date like a register's, unique per issuer and year."""
        base = max(1, int(rate * issued.timetuple().tm_yday))
        number = base + self.rng.randint(0, max(1, int(rate)))
        while (issuer, issued.year, f"{number}/{symbol}") in self.numbers:
            number += 1
        self.numbers.add((issuer, issued.year, f"{number}/{symbol}"))
        return f"{number}/{symbol}"

    def build_document(self, plan: _DocPlan) -> Document:
        rng = self.rng
        issued = plan.issued_on
        fmt = {"y": issued.year, "y4": issued.year + 4, "m": issued.month,
               "q": (min(issued + self.days(10), dt.date(issued.year, 12, 31)).month - 1) // 3 + 1}
        tracked = plan.doc_type is not None
        topic = plan.topic
        if not tracked:
            doc_type, symbol, template = rng.choice(UNTRACKED_SUMMARIES)
            summary = template.format(p=topic.phrase, **fmt)
            rate = 1.0
        else:
            doc_type = plan.doc_type
            rate = DOC_TYPES[doc_type][2]
            division = self.units[topic.division if topic else "VP-TH"]
            symbol = DOC_TYPES[doc_type][1].format(div=division.code.removeprefix("VP-"))
            if topic is None:
                summary = MULTI_TOPIC_SUMMARIES[doc_type].format(**fmt)
            else:
                msym, ministry = MINISTRIES.get(topic.leads[0], DEFAULT_MINISTRY)
                summary = rng.choice(SUMMARIES[doc_type]).format(
                    p=topic.phrase, vice=rng.choice(VICE_CHAIRMEN),
                    lead=self.units[topic.leads[0]].name, n=rng.randint(100, 6000), msym=msym,
                    ministry=ministry, **fmt)
        office = symbol.endswith("-VPUBND")
        issuer = "Văn phòng UBND tỉnh" if office else "UBND tỉnh"
        if office:
            signer = rng.choice(OFFICE_SIGNERS)
        elif rng.random() < 0.3:
            signer = f"Chủ tịch {CHAIRMAN}"
        else:
            signer = f"Phó Chủ tịch {rng.choice(VICE_CHAIRMEN)}"
        submitting = None
        if topic is not None and doc_type in (DocType.ke_hoach, DocType.quyet_dinh, DocType.chi_thi):
            submitting = self.units[topic.leads[0]]
        elif topic is not None and doc_type != DocType.other:
            submitting = self.units[topic.division]
        created = self.office_time(plan.entry_day)
        doc = Document(doc_type=doc_type, number=self.next_number(rate, issuer, issued, symbol),
                       issuer=issuer, summary=summary, issued_on=issued, signer=signer,
                       submitting_unit=submitting, specialist=self.specialist, tracked=tracked,
                       created_by=self.specialist, created_at=created, updated_at=created,
                       directing_leader=self.signing_leader(signer))
        prepare_document(doc, self.cal)
        return doc

    def content(self, plan: _TaskPlan) -> tuple[ExpectedProduct, str]:
        year = plan.doc.issued_on.year
        district = plan.lead.category == UnitCategory.district
        product, template = self.rng.choice(DISTRICT_TASKS if district else DEPARTMENT_TASKS)
        period = self.rng.choice(PERIODS).format(y=year, q=(plan.doc.issued_on.month - 1) // 3 + 1)
        text = template.format(p=plan.topic.phrase, y=year, y1=year + 1, y5=year + 5,
                               period=period, main=self.units[plan.topic.leads[0]].name)
        return product, text

    def signing_leader(self, signer: str) -> User | None:
        """The account of the leader named in the signer line (who signed, Đ3.2)."""
        return next((user for name, user in self.leaders_by_name.items()
                     if signer.endswith(name)), None)

    def build_task(self, plan: _TaskPlan, doc: Document) -> tuple[_Built, dt.datetime | None]:
        """One task with the rows of its story; returns it and when it was last forwarded."""
        rng = self.rng
        product, text = self.content(plan)
        priority = rng.choices(list(Priority), weights=(80, 15, 5))[0]
        if plan.doc.doc_type == DocType.cong_dien:
            priority = Priority.flash
        task = Task(document=doc, content=text, lead_unit=plan.lead,
                    directing_leader=doc.directing_leader, cooperating_units=list(plan.coops),
                    monitoring_unit=self.units[plan.topic.division], specialist=self.specialist,
                    expected_product=product, priority=priority, state=plan.scenario.state,
                    update_frequency=rng.choices(list(UpdateFrequency), weights=(70, 20, 7, 3))[0],
                    has_deadline=True, percent_complete=0,
                    created_at=doc.created_at)
        story = _Story(self, task, doc.created_at)
        item = _Built(plan, task)
        story.tell(plan, item)
        task.original_deadline = task.deadline
        task.updated_at = story.last
        self.rows.append(task)
        self.rows.extend(story.rows)
        return item, story.forwarded_at

    # --- extensions ----------------------------------------------------------------------
    def add_extensions(self, built: list[_Built]) -> None:
        """Approved extensions (deadline moved, original kept), one refused, one pending."""
        def with_deadline(state, kinds, prefer=None):
            found = [b for b in built if b.task.state == state and b.plan.scenario.kind in kinds
                     and b.received is not None and b.task.deadline is not None]
            found.sort(key=lambda b: (b.task.lead_unit.code != prefer,
                                      kinds.index(b.plan.scenario.kind)))
            return found

        used = set()
        approved = 0
        for item in with_deadline(S.in_progress, ("on_time",), prefer="SNV"):
            if approved >= max(2, self.task_count // 60):
                break
            original = self.snap(item.task.deadline - self.days(self.rng.randint(15, 40)),
                                 item.received + self.days(3), item.task.deadline - self.days(1))
            latest_ask = min(original - self.days(1), self.today - self.days(3))
            if not item.received + self.days(1) <= latest_ask:
                continue
            asked = self.pick(item.received + self.days(1), latest_ask)
            decided = self.pick(asked + self.days(1), self.after(asked, 3))
            self.extension(item, asked, item.task.deadline, original, decided, approved=True)
            item.task.original_deadline = original
            used.add(id(item))
            approved += 1
        for item in with_deadline(S.in_progress, ("overdue",)):
            asked_by = item.task.deadline - self.days(1)
            if id(item) in used or asked_by <= item.received:
                continue
            asked = self.pick(item.received, asked_by)
            decided = self.pick(asked + self.days(1), self.after(asked, 3))
            self.extension(item, asked, item.task.deadline + self.days(30), item.task.deadline,
                           decided, approved=False)
            used.add(id(item))
            break
        for item in with_deadline(S.in_progress, ("due_soon", "overdue", "on_time"), prefer="SNV"):
            if id(item) in used:
                continue
            asked = self.pick(max(item.received, self.yesterday - self.days(2)), self.yesterday)
            proposed = self.snap(max(item.task.deadline, self.today) + self.days(30),
                                 self.today, self.today + self.days(60))
            self.extension(item, asked, proposed, item.task.deadline, None, approved=None)
            break

    def extension(self, item: _Built, asked: dt.date, proposed: dt.date, current: dt.date,
                  decided: dt.date | None, *, approved: bool | None) -> None:
        task = item.task
        requester = self.officer(task.lead_unit)
        reason = ("Nhiệm vụ cần ý kiến thống nhất của các bộ, ngành Trung ương; đề nghị gia hạn "
                  "để có đủ thời gian tổng hợp, hoàn chỉnh.")
        # Never before the task was received, never decided before it was asked.
        asked_at = max(self.office_time(asked), task.received_at + dt.timedelta(minutes=20))
        request = ExtensionRequest(task=task, unit_id=task.lead_unit.id,
                                   requested_by_id=requester.id, requested_at=asked_at,
                                   current_deadline=current, proposed_deadline=proposed,
                                   reason=reason)
        self.rows.append(request)
        self.rows.append(TaskHistory(task=task, actor_id=requester.id, action="request_extension",
                                     at=asked_at, reason=reason,
                                     data={"proposed_deadline": proposed.isoformat()}))
        if approved is None:
            return
        decided_at = max(self.office_time(decided), asked_at + dt.timedelta(hours=2))
        decision = "" if approved else "Không có lý do khách quan; đề nghị đơn vị tập trung hoàn thành."
        request.status = ExtensionStatus.approved if approved else ExtensionStatus.refused
        request.decided_by_id = self.leader.id
        request.decided_at = decided_at
        request.decision_reason = decision
        self.rows.append(TaskHistory(
            task=task, actor_id=self.leader.id, action="decide_extension", at=decided_at,
            reason=decision, data={"approved": approved, "proposed_deadline": proposed.isoformat(),
                                   "previous_deadline": current.isoformat()}))


class _Story:
    """The events of one task from forwarding to its current state, with consistent dates."""

    def __init__(self, builder: _DemoBuilder, task: Task, start: dt.datetime):
        self.b = builder
        self.rng = builder.rng
        self.task = task
        self.rows: list = []
        self.last = start
        self.forwarded_at: dt.datetime | None = None

    def at(self, day: dt.date) -> dt.datetime:
        """A time on ``day`` in office hours, after the previous event of this story."""
        local_last = self.last.astimezone(self.b.tz)
        if day <= local_last.date():
            moment = self.last + dt.timedelta(minutes=self.rng.randint(5, 45))
        else:
            moment = self.b.office_time(day)
        self.last = moment
        return moment

    def history(self, day: dt.date, actor: User, action: str, from_state=None, to_state=None,
                **kw) -> dt.datetime:
        moment = self.at(day)
        self.rows.append(TaskHistory(
            task=self.task, actor_id=actor.id, action=action, at=moment,
            from_state=from_state.value if from_state else None,
            to_state=to_state.value if to_state else None, **kw))
        return moment

    def forward(self, day: dt.date, unit: Unit, from_state=S.draft) -> None:
        moment = self.history(day, self.b.specialist, "forward", from_state, S.assigned,
                              data={"lead_unit_id": unit.id})
        self.task.assigned_at = self.task.assigned_at or moment
        self.forwarded_at = moment

    def progress(self, day: dt.date, unit: Unit, text: str, percent: int | None) -> None:
        contribution = unit is not self.task.lead_unit
        author = self.b.officer(unit)
        moment = self.at(day)
        self.rows.append(ProgressUpdate(task=self.task, unit_id=unit.id, author_id=author.id,
                                        content=text, percent=percent,
                                        is_contribution=contribution, created_at=moment))
        self.rows.append(TaskHistory(task=self.task, actor_id=author.id, action="progress", at=moment,
                                     reason=text, data={"percent": percent,
                                                        "contribution": contribution}))
        if not contribution:
            self.task.last_update_at = moment
            if percent is not None:
                self.task.percent_complete = percent

    def updates(self, lo: dt.date, hi: dt.date, final_percent: int, *, count: int | None = None) -> None:
        """Lead unit updates (and maybe a contribution) on days in [lo, hi]."""
        if hi < lo:
            return
        if count is None:
            count = min(self.rng.choice((0, 1, 1, 2, 2, 3)), 1 + (hi - lo).days // 5)
        events = [(self.b.pick(lo, hi), self.task.lead_unit) for _ in range(count)]
        if self.task.cooperating_units and self.rng.random() < 0.5:
            events.append((self.b.pick(lo, hi), self.rng.choice(self.task.cooperating_units)))
        events.sort(key=lambda e: e[0])
        lead_events = sum(1 for _, unit in events if unit is self.task.lead_unit)
        done = 0
        for day, unit in events:
            if unit is self.task.lead_unit:
                done += 1
                percent = max(5, final_percent * done // lead_events // 5 * 5)
                self.progress(day, unit, self.rng.choice(PROGRESS_TEXTS), percent)
            else:
                self.progress(day, unit, self.rng.choice(CONTRIBUTION_TEXTS), None)

    def tell(self, plan: _TaskPlan, item: _Built) -> None:
        b, rng, task = self.b, self.rng, self.task
        today, yesterday = b.today, b.yesterday
        state, kind = plan.scenario.state, plan.scenario.kind
        start = plan.forward_day
        if state == S.draft:
            self.draft_deadline(start)
            return
        from_draft = state == S.cancelled and rng.random() < 0.25
        if not from_draft:
            if plan.reforward_from is not None:
                wrong = plan.reforward_from
                self.forward(start, wrong)
                back = b.after(start, 1)
                category, reason = RETURN_REASONS[0]
                self.history(back, b.head(wrong), "return", S.assigned, S.returned,
                             reason_category=category, reason=reason.format(other=plan.lead.name),
                             data={"lead_unit_id": wrong.id})
                start = b.after(back, 1)
                self.history(start, b.specialist, "edit", data={"lead_unit_id": str(plan.lead.id)})
                self.forward(start, plan.lead, from_state=S.returned)
            else:
                self.forward(start, plan.lead)
        if state in (S.assigned, S.returned):
            self.open_deadline(kind, start + b.days(5))
            if state == S.returned:
                day = b.pick(start, b.after(start, 3))
                category, reason = rng.choice(RETURN_REASONS)
                other = b.units[rng.choice(("STNMT", "SKHDT", "STC", "SNV"))]
                self.history(day, b.head(plan.lead), "return", S.assigned, S.returned,
                             reason_category=category, reason=reason.format(other=other.name),
                             data={"lead_unit_id": plan.lead.id})
            self.overdue_flags()
            return
        if state == S.cancelled:
            self.cancelled(start, from_draft)
            return
        received = b.pick(start, b.after(start, 2))
        item.received = received
        self.history(received, b.officer(plan.lead), "receive", S.assigned, S.in_progress)
        task.received_at = self.last
        if state == S.in_progress:
            self.open_deadline(kind, received + b.days(7))
            if kind == "overdue":
                self.updates(received + b.days(1), min(task.deadline, yesterday), rng.randint(30, 80))
                if rng.random() < 0.5 and task.deadline < yesterday:
                    self.progress(b.pick(task.deadline + b.days(1), yesterday), task.lead_unit,
                                  rng.choice(LATE_PROGRESS_TEXTS), min(95, task.percent_complete + 10))
            else:
                self.updates(received + b.days(1), yesterday, rng.randint(20, 90))
            self.overdue_flags()
            return
        # pending_verification or completed: the unit reported completion on `done`.
        if state == S.pending_verification:
            done = b.pick(max(received + b.days(1), today - b.days(12)), yesterday)
            self.open_deadline(kind, received + b.days(3))
        else:
            done = b.pick(received + b.days(2), min(received + b.days(90), today - b.days(2)))
            if rng.random() < 0.12 and (done - received).days >= 10:
                self.rejected_once(received, done)
            else:
                self.updates(received + b.days(1), done - b.days(1), rng.randint(50, 95))
            self.done_deadline(kind, done, start)
        self.report(done)
        if state == S.completed:
            verified = b.pick(b.after(done, 1), b.after(done, 5))
            self.history(verified, b.specialist, "verify", S.pending_verification, S.completed,
                         reason=rng.choice(VERIFY_COMMENTS), data={"accepted": True})
            task.verified_at = self.last
            task.verified_by_id = b.specialist.id
        else:
            self.overdue_flags()

    def draft_deadline(self, start: dt.date) -> None:
        roll = self.rng.random()
        if roll < 0.15:
            self.task.has_deadline = False
        elif roll < 0.3:
            self.task.has_deadline = True   # deadline still to be entered (Đ7.1b blocks forwarding)
        else:
            self.task.deadline = self.b.snap(start + self.b.days(self.rng.randint(15, 60)),
                                             self.b.today, self.b.today + self.b.days(90))

    def open_deadline(self, kind: str, earliest: dt.date) -> None:
        """A deadline that gives an open task its class today."""
        b, rng, task = self.b, self.rng, self.task
        if kind == "none":
            task.has_deadline = False
            return
        if kind == "on_time":
            day = b.today + b.days(rng.randint(7, 75))
            task.deadline = b.snap(day, b.today + b.days(4), day + b.days(10))
        elif kind == "due_soon":
            task.deadline = b.cal.add_working_days(b.today, rng.randint(0, 3))
        else:  # overdue
            task.deadline = b.pick(min(earliest, b.yesterday), b.yesterday)

    def done_deadline(self, kind: str, done: dt.date, start: dt.date) -> None:
        """A deadline that makes a completion on ``done`` on time or late."""
        b, rng, task = self.b, self.rng, self.task
        if kind == "none":
            task.has_deadline = False
        elif kind == "on_time":
            day = max(done + b.days(rng.randint(0, 30)), start + b.days(7))
            task.deadline = b.snap(day, done, day + b.days(10))
        else:  # late
            earliest = min(start + b.days(5), done - b.days(1))
            day = max(done - b.days(rng.randint(1, 25)), earliest)
            task.deadline = b.snap(day, earliest, done - b.days(1))

    def report(self, done: dt.date) -> None:
        b, task = self.b, self.task
        day = b.pick(done, b.after(done, 1, cap=max(done, b.today - b.days(2))))
        template, kind = RESULT_SUMMARIES[task.expected_product]
        symbol = b.symbols[task.lead_unit.code]
        number = f"{self.rng.randint(50, 900)}/{kind}-{symbol}" if kind else \
            f"{self.rng.randint(500, 4000)}/{symbol}-VP"
        task.completed_on = done
        task.result_document_number = number
        task.result_document_date = done
        task.result_summary = template.format(num=number, d=done.strftime("%d/%m/%Y"))
        task.percent_complete = 100
        self.history(day, b.officer(task.lead_unit), "report_completion", S.in_progress,
                     S.pending_verification, reason=task.result_summary,
                     data={"completed_on": done.isoformat(), "result_document_number": number})
        task.completion_reported_at = self.last

    def rejected_once(self, received: dt.date, done: dt.date) -> None:
        """A first completion report the Office sent back before the accepted one."""
        b = self.b
        first = b.pick(received + b.days(2), received + b.days((done - received).days // 2))
        self.updates(received + b.days(1), first - b.days(1), 80, count=1)
        self.history(first, b.officer(self.task.lead_unit), "report_completion", S.in_progress,
                     S.pending_verification, reason="Đã hoàn thành dự thảo báo cáo.",
                     data={"completed_on": first.isoformat(), "result_document_number": ""})
        back = b.pick(first, min(b.after(first, 2), done - b.days(1)))
        self.history(back, b.specialist, "verify", S.pending_verification, S.in_progress,
                     reason=self.rng.choice(REJECT_COMMENTS), data={"accepted": False})
        self.progress(b.pick(back, done), self.task.lead_unit,
                      "Đã bổ sung, hoàn chỉnh theo ý kiến của Văn phòng UBND tỉnh.", 95)

    def cancelled(self, start: dt.date, from_draft: bool) -> None:
        b, rng, task = self.b, self.rng, self.task
        if rng.random() < 0.3:
            task.has_deadline = False
        else:
            task.deadline = b.snap(start + b.days(rng.randint(10, 60)), start, start + b.days(80))
        from_state = S.draft if from_draft else S.assigned
        if not from_draft and rng.random() < 0.6:
            received = b.pick(start, b.after(start, 2))
            self.history(received, b.officer(task.lead_unit), "receive", S.assigned, S.in_progress)
            task.received_at = self.last
            self.updates(received + b.days(1), min(received + b.days(20), b.yesterday - b.days(1)),
                         rng.randint(10, 50))
            from_state = S.in_progress
        day = b.pick(max(b.after(start, 2), self.last.astimezone(b.tz).date()), b.yesterday)
        reason = rng.choice(CANCEL_REASONS)
        deciding = f"{rng.randint(1000, 6000)}/UBND-{task.monitoring_unit.code.removeprefix('VP-')}"
        self.history(day, b.specialist, "cancel", from_state, S.cancelled, reason=reason,
                     data={"deciding_document": deciding})
        task.cancelled_at = self.last
        task.cancel_reason = reason

    def overdue_flags(self) -> None:
        """What the daily job would have set on an open task that is overdue, and urgings."""
        b, task = self.b, self.task
        if task.deadline is None or task.deadline >= b.today:
            return
        task.overdue_since = task.deadline + b.days(1)
        # Marked by the night's job (00:05) of that day: the timeline's "became overdue".
        task.overdue_mark.marked_at = dt.datetime.combine(
            task.overdue_since, dt.time(0, 5), tzinfo=b.tz).astimezone(dt.UTC)
        updated_after = task.last_update_at is not None and \
            task.last_update_at.astimezone(b.tz).date() > task.deadline
        task.late_update = not updated_after and (b.today - task.overdue_since).days > 1
        # The Office urges units on work they hold, not on its own verification.
        if (task.state in (S.assigned, S.in_progress) and self.rng.random() < 0.5
                and task.overdue_since <= b.yesterday):
            day = b.pick(task.overdue_since, b.yesterday)
            channel = self.rng.choice((UrgingChannel.system, UrgingChannel.phone,
                                       UrgingChannel.email, UrgingChannel.report))
            note = self.rng.choice(URGING_NOTES)
            moment = self.history(day, b.specialist, "urge", reason=note,
                                  data={"channel": channel.value})
            self.rows.append(Urging(task=task, channel=channel, note=note, by_id=b.specialist.id,
                                    at=moment))
