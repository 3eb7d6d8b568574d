from __future__ import annotations

from tenderwatch.htmltext import html_to_text


def test_inline_tags_do_not_split_words() -> None:
    assert html_to_text("采购<b>Power</b><span>Plex</span><font color=red>21</font>试剂") == "采购PowerPlex21试剂"


def test_cells_and_blocks_always_separate() -> None:
    text = html_to_text("<table><tr><td>Thermo</td><td>Fisher</td></tr><tr><td>a</td></tr></table><p>b</p>c<br>d")
    assert text.split("\n") == ["Thermo\tFisher", "a", "b", "c", "d"]


def test_scripts_styles_and_hidden_inputs_are_not_text() -> None:
    markup = "<style>td{}</style><script>var x='赛默飞'</script><input value='PowerPlex'>正文<!-- 验证码 -->尾"
    assert html_to_text(markup) == "正文尾"


def test_spaces_collapse_and_nbsp_count_as_space() -> None:
    assert html_to_text("<p>&nbsp; 一、\u3000项目 \t 编号&nbsp;</p>") == "一、 项目 编号"


def test_empty_and_garbage() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   ") == ""
    assert html_to_text("<p>a\n b</p>\n\n<p>\tc</p>") == "a b\nc"  # source line breaks are spaces
