import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import SEED, load_catalogue, parse_knowledge, pp12_resolutions, write_parsed
from assistant.parsing import SeedError, parse_seed, repair_pp12

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
RAW = (KNOWLEDGE / SEED).read_text(encoding="utf-8")
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "000_c623db400c608d02.txt"
EXPECTED_IDS = (
    ["HEADER", "SPONSORS"]
    + [f"PP{i}" for i in range(1, 18)]
    + [f"OP{i}" for i in range(1, 7)]
    + [f"FN{i}" for i in range(1, 6)]
)


@pytest.fixture(scope="module")
def paragraphs():
    return {p.id: p for p in parse_knowledge(KNOWLEDGE)[0]}


def test_committed_seed_is_the_shared_seed():
    if not SHARED_SEED.exists():
        pytest.skip("../shared is not beside this checkout")
    assert hashlib.sha256(SHARED_SEED.read_bytes()).digest() == hashlib.sha256(RAW.encode()).digest()


def test_structure_and_order(paragraphs):
    assert list(paragraphs) == EXPECTED_IDS


def test_committed_parse_is_what_the_parser_makes(tmp_path):
    shutil.copytree(KNOWLEDGE, tmp_path / "k")
    write_parsed(tmp_path / "k")
    for name in ("paragraphs.zh.yaml", "repairs.yaml"):
        assert (tmp_path / "k" / name).read_text() == (KNOWLEDGE / name).read_text(), (
            f"knowledge/{name} is stale: run `assistant parse` and review the diff"
        )


@pytest.mark.parametrize(
    ("footnote", "paragraph"),
    [("FN1", "PP6"), ("FN2", "PP9"), ("FN3", "PP13"), ("FN4", "PP14"), ("FN5", "OP1")],
)
def test_footnote_markers_are_linked(paragraphs, footnote, paragraph):
    assert paragraphs[paragraph].footnotes == [footnote]
    assert paragraphs[footnote].cited_by == [paragraph]


def test_markers_are_removed_and_lines_joined(paragraphs):
    assert "第 22/8 号决议，其中委员会欢迎" in paragraphs["PP6"].text
    assert paragraphs["PP9"].text.endswith("多哈宣言》，")
    assert paragraphs["OP1"].text == "1. 表示注意到根据第 73/187 号决议编写的秘书长报告；"
    assert paragraphs["FN5"].text == "A/74/130。"
    # Footnotes printed mid-page do not leak into the preamble around them.
    assert "E/2013/30" not in paragraphs["PP13"].text + paragraphs["PP14"].text
    assert all("\n" not in p.text for pid, p in paragraphs.items() if pid != "HEADER")


def test_operative_paragraphs_keep_their_numbers(paragraphs):
    for i in range(1, 7):
        assert paragraphs[f"OP{i}"].text.startswith(f"{i}. ")


def test_pp12_names_all_24_resolutions_with_dates(paragraphs):
    text = paragraphs["PP12"].text
    found = re.findall(r"(\d{4}) 年 (\d{1,2}) 月 (\d{1,2}) 日第 (\d+/\d+) 号", text)
    assert len(found) == 24
    expected = pp12_resolutions(load_catalogue(KNOWLEDGE))
    assert [(n, dt.date(int(y), int(m), int(d))) for y, m, d, n in found] == expected


def test_pp12_list_matches_shared_facts():
    facts = ROOT.parent / "shared" / "facts.md"
    if not facts.exists():
        pytest.skip("../shared is not beside this checkout")
    rows = re.findall(r"^\| (\d+/\d+) \| (\d{1,2} \w+ \d{4}) \|$", facts.read_text(), re.M)
    table = [(n, dt.datetime.strptime(d, "%d %B %Y").date()) for n, d in rows]
    assert len(table) == 24
    assert pp12_resolutions(load_catalogue(KNOWLEDGE)) == table


def _cut_line_ends(raw: str, lines: range, n: int) -> str:
    seed = raw.splitlines()
    for i in lines:
        seed[i - 1] = seed[i - 1].rstrip()[:-n]
    return "\n".join(seed)


def test_repair_restores_cut_line_ends_and_logs_each():
    resolutions = pp12_resolutions(load_catalogue(KNOWLEDGE))
    intact = {p.id: p for p in parse_seed(RAW)}["PP12"]
    damaged_raw = _cut_line_ends(RAW, range(86, 104, 2), 3)
    damaged = {p.id: p for p in parse_seed(damaged_raw)}["PP12"]
    assert damaged.text != intact.text
    repaired, log = repair_pp12(damaged, damaged_raw, resolutions)
    assert repaired.text == intact.text
    assert [r.seed_line for r in log] == list(range(86, 104, 2))
    assert all(r.lost and r.restored == r.lost and "facts.md" in r.authority for r in log)


def test_intact_seed_needs_no_repair_and_log_says_so():
    log = yaml.safe_load((KNOWLEDGE / "repairs.yaml").read_text())
    _, repairs, digest = parse_knowledge(KNOWLEDGE)
    assert log["repairs"] == [r.model_dump() for r in repairs]
    assert log["meta"]["source_sha256"] == digest


def test_repair_refuses_text_it_cannot_vouch_for():
    resolutions = pp12_resolutions(load_catalogue(KNOWLEDGE))
    wrong_raw = RAW.replace("第 66/181 号", "第 66/182 号")
    pp12 = {p.id: p for p in parse_seed(wrong_raw)}["PP12"]
    with pytest.raises(SeedError, match="only lost characters"):
        repair_pp12(pp12, wrong_raw, resolutions)


def test_seed_without_structure_is_refused_clearly():
    with pytest.raises(SeedError, match="sponsors"):
        parse_seed(" 第七十四届会议\n\n 一些文字\n")
