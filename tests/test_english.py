"""The English rendering carries every number, date and symbol of the official Chinese."""

import re
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import load
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K = load(Settings())
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DATE = re.compile(r"(\d{4}) 年 (\d{1,2}) 月(?: (\d{1,2}) 日)?(?:至 (\d{1,2}) 日)?")
SYMBOL = re.compile(r"[A-Z]+(?:/[A-Za-z0-9.]+)+|\d+/\d+")
# Numbers the Chinese writes in words, and what the English must say for them.
CHINESE_NUMBERS = {
    "第七十四届": "seventy-fourth",
    "第七十五届": "seventy-fifth",
    "第十三届": "thirteenth",
    "第三委员会": "third committee",
    "三天": "three",
    "第一至第五次": "first to fifth",
    "第一章": "chap. i",
}


def facts(zh: str) -> list[str]:
    """What must appear in the English: dates as '26 April 2013', symbols, every other number."""
    need = []
    for y, m, d, d2 in DATE.findall(zh):
        month = f"{MONTHS[int(m) - 1]} {y}"
        if not d:
            need.append(month)
        elif d2:
            need.append(f"{d} to {d2} {month}")
        else:
            need.append(f"{d} {month}")
    rest = DATE.sub(" ", zh)
    symbols = SYMBOL.findall(rest)
    need += symbols
    rest = SYMBOL.sub(" ", rest)
    need += re.findall(r"\d+", rest)
    need += [en for zh_words, en in CHINESE_NUMBERS.items() if zh_words in zh]
    return need


@pytest.mark.parametrize("pid", list(K.paragraphs))
def test_every_number_date_and_symbol_is_rendered(pid):
    en = K.english[pid]
    missing = [f for f in facts(K.paragraphs[pid].text) if f.lower() not in en.lower()]
    assert not missing, f"{pid}: the English lacks {missing}"


def test_rendering_is_aligned_and_labelled_unofficial():
    data = yaml.safe_load((ROOT / "knowledge" / "paragraphs.en.yaml").read_text())
    assert data["meta"]["status"] == "unofficial"
    assert [p["id"] for p in data["paragraphs"]] == list(K.paragraphs)


def test_the_check_catches_a_wrong_date():
    assert "26 April 2013" in facts("2013 年 4 月 26 日第 22/8 号决议")
    assert "17 to 21 January 2011" in facts("2011 年 1 月 17 日至 21 日")
    assert "August 2020" in facts("应于 2020 年 8 月在纽约")
