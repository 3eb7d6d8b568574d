"""Map a portal's own notice-type label (Chinese) onto the normalised ``NoticeType``.

Portal spiders map their channel codes precisely; this is the fallback for free-text labels.
Order matters: "更正公告" of a "中标公告" is a correction, "单一来源采购公示" is single-source.
"""

from __future__ import annotations

from tenderwatch.model import NoticeType

_RULES: tuple[tuple[tuple[str, ...], NoticeType], ...] = (
    (("更正", "变更", "澄清", "补充", "答疑"), NoticeType.CORRECTION),
    (("废标", "流标", "终止", "失败"), NoticeType.TERMINATION),
    (("单一来源",), NoticeType.SINGLE_SOURCE),
    (("合同",), NoticeType.CONTRACT),
    (("中标", "成交", "结果", "候选人"), NoticeType.AWARD),
    (("意向",), NoticeType.INTENTION),
    (("招标", "询价", "谈判", "磋商", "采购公告", "资格预审", "邀请", "竞价"), NoticeType.TENDER),
)


def classify_label(label: str) -> NoticeType:
    for words, notice_type in _RULES:
        if any(word in label for word in words):
            return notice_type
    return NoticeType.OTHER
