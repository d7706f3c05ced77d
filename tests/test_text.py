"""typeset.sources.text.normalize: punctuation in Chinese text, whitespace, invisible characters."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typeset.model.chars import han_chars, is_cjk, is_han
from typeset.sources.text import normalize


@pytest.mark.parametrize("raw, expected", [
    # the seed's typing errors
    ("本报讯(通讯员 纪哲) 8月3日下午,鄄城县召开", "本报讯（通讯员 纪哲） 8月3日下午，鄄城县召开"),
    ("各镇(街)党(工)委书记", "各镇（街）党（工）委书记"),
    ("会议强调,一是要提高思想认识", "会议强调，一是要提高思想认识"),
    # every mark of the set, between / beside Han characters
    ("他说:好;我们走?走吧!", "他说：好；我们走？走吧！"),
    ("真的吗?!", "真的吗？！"),
    # beside a full-width mark, through quotes and brackets
    ("“钱袋子”,守护", "“钱袋子”，守护"),
    ("纪哲),8月", "纪哲），8月"),
    ("8月3日,鄄城", "8月3日，鄄城"),
    ("依托国家反诈APP,拓展", "依托国家反诈APP，拓展"),
    # numbers, Latin words, URLs stay ASCII
    ("增长3.5%,达到1,000元", "增长3.5%，达到1,000元"),
    ("每天10:30开放", "每天10:30开放"),
    ("比分3:2", "比分3:2"),
    ("Hello, world (again)!", "Hello, world (again)!"),
    ("f(x)=2", "f(x)=2"),
    ("5G APP 2023年", "5G APP 2023年"),
    ("网址https://a.example.cn/x?y=1,z=(2),欢迎", "网址https://a.example.cn/x?y=1,z=(2)，欢迎"),
    ("见www.example.com.", "见www.example.com."),
    ("邮箱a.b@example.com,谢谢", "邮箱a.b@example.com，谢谢"),
    # parentheses: content or surroundings Chinese
    ("GDP(国内生产总值)增长", "GDP（国内生产总值）增长"),
    ("选项(A)是对的", "选项（A）是对的"),
    ("(通讯员 纪哲)", "（通讯员 纪哲）"),
    # quotes as pairs
    ('按照"任务分解项目化"的要求', "按照“任务分解项目化”的要求"),
    ('他说"hello"就走了', "他说“hello”就走了"),
    ("他说:'你好'", "他说：‘你好’"),
    ('it\'s a "test"', 'it\'s a "test"'),
    ('"中文" and "English"', '“中文” and "English"'),
    # spaces
    ("下午, 鄄城县 ", "下午，鄄城县"),
    ("  提高全民反诈意识   最大限度减少群众财产损失\n", "提高全民反诈意识 最大限度减少群众财产损失"),
    ("通讯员 纪哲", "通讯员 纪哲"),
    ("通讯员\u3000纪哲", "通讯员 纪哲"),
    ("电信\u200b网络\ufeff诈骗\u00ad", "电信网络诈骗"),
    ("电信\x00网络\x07诈骗", "电信网络诈骗"),
    ("电信\t网络\r\n诈骗", "电信 网络 诈骗"),
    # NFC
    ("cafe\u0301", "café"),
    ("\uf900", "\u8c48"),
    ("", ""),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_full_width_text_is_unchanged():
    text = "鄄城县召开全县打击治理电信网络诈骗工作推进会议，县委副书记尚彦龙（左）说：“好！”"
    assert normalize(text) == text


def test_no_ascii_mark_left_between_han():
    text = "甲,乙(丙)丁:戊;己?庚!辛"
    out = normalize(text)
    for i in range(1, len(out) - 1):
        if out[i] in ",():;?!":
            assert not (is_han(out[i - 1]) or is_han(out[i + 1])), out


def test_classes():
    assert is_han("鄄") and is_han("〇") and is_han("\U00020000")
    assert not is_han("，") and is_cjk("，") and is_cjk("《")
    assert not is_cjk("“") and not is_cjk("A")
    assert han_chars("A鄄,城1") == "鄄城"


# Text drawn mostly from the characters that matter here.
_alphabet = st.sampled_from(list("鄄城县讯纪哲电网诈骗，。（）“”‘’：；！？、《》…—")
                            + list(",.:;?!()\"'- \t\n/@") + list("abcAPP0123456789")
                            + ["\u3000", "\u200b", "\ufeff", "\x00", "\u0301", "\uf900", "www.", "http://"])
chinese_ish = st.lists(_alphabet, max_size=60).map("".join)


def _unified_han(text: str) -> list[str]:
    return sorted(ch for ch in text if unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPAT")))


@settings(max_examples=400)
@given(st.one_of(chinese_ish, st.text(max_size=80)))
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=400)
@given(st.one_of(chinese_ish, st.text(max_size=80)))
def test_no_han_lost_or_added(text):
    out = normalize(text)
    # NFC may replace a compatibility ideograph by its unified form: still one Han character.
    assert _unified_han(out) == _unified_han(unicodedata.normalize("NFC", text))
    assert len(han_chars(out)) == len(han_chars(text))
    # and they stay in order
    assert han_chars(out) == han_chars(unicodedata.normalize("NFC", text))


@given(chinese_ish)
def test_output_is_trimmed_single_spaced(text):
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out
    assert not any(ch.isspace() and ch != " " for ch in out)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in out)


def test_fast_enough():
    import time
    paragraph = "本报讯(通讯员 纪哲) 8月3日下午,鄄城县召开全县打击治理电信网络诈骗工作推进会议," * 200
    start = time.perf_counter()
    for _ in range(10):
        normalize(paragraph)
    assert time.perf_counter() - start < 2.0


def test_pathological_runs_terminate():
    assert normalize("," * 2000 + "中") == "，" * 2000 + "中"
    assert normalize("(" * 500 + "中" + ")" * 500) == "（" * 500 + "中" + "）" * 500
