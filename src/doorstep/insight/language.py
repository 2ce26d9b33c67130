"""Which language a comment is in: pure, offline, cheap enough for bulk imports."""

from __future__ import annotations


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x2FA1F  # extensions B–F
    )


def detect_language(text: str | None) -> str | None:
    """'zh' when Chinese characters carry the comment, 'en' for Latin text, None for nothing.

    One Han character carries about as much as one English word (~4 letters), so a
    mixed comment goes to the script that carries more of it: "骑手很nice但是汤洒了" is Chinese.
    """
    if not text:
        return None
    han = latin = 0
    for ch in text:
        if _is_cjk(ch):
            han += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    if han == 0 and latin == 0:
        return None
    return "zh" if han * 4 >= latin else "en"
