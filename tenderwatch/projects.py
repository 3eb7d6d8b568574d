"""Which procurement a notice belongs to, so a project's later notices become updates of its first.

The key is the project code (项目编号) when the notice gives one; otherwise the buyer and the title
with its notice-type ending removed ("…采购项目的中标(成交)结果公告" and "…采购项目单一来源公示"
are the same project).
"""

from __future__ import annotations

import hashlib
import re

from tenderwatch.model import Notice
from tenderwatch.normalize import normalize

# Endings that name the notice's stage rather than the project (after normalisation: NFKC, casefold).
_STAGE_ENDING = re.compile(
    r"(的|之)?("
    r"中标\(成交\)结果|中标成交结果|中标\(成交\)|中标结果|成交结果|采购结果|结果|中标|成交|"
    r"单一来源(采购)?(方式)?|更正|变更|澄清|废标|流标|终止|合同|招标|公开招标|邀请招标|竞争性谈判|"
    r"竞争性磋商|询价|采购|资格预审|其他"
    r")*(公告|公示|信息)+$"
)
_CODE_NOISE = re.compile(r"[\s\-_/:()\[\]]+")


def project_key(notice: Notice) -> str:
    code = normalize(notice.project_code)
    code = _CODE_NOISE.sub("", code)
    if len(code) >= 4:
        return f"code:{code}"
    title = _STAGE_ENDING.sub("", normalize(notice.title).replace(" ", ""))
    digest = hashlib.sha256(f"{normalize(notice.buyer)}|{title}".encode()).hexdigest()[:20]
    return f"title:{digest}"
