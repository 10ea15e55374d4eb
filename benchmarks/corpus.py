"""Deterministic haystacks for the scale benchmark: n short UN-style paragraphs, half Chinese, half
English, on the topics General Assembly resolutions deal with (cyber and ICT topics included, so the
haystack holds near-misses and not only noise), grouped into made-up documents of 50 paragraphs.

A paragraph is two or three clauses drawn from a fixed pool (`clause_pool`), so the corpus of size n
is the first n paragraphs of one seeded stream: the 10k corpus contains the 1k one. The pool is small
enough to embed for real in minutes; `ComposedEmbeddings` uses that to give the 100k corpus dense
vectors without embedding 100k texts on two shared cores (see docs/benchmarks.md)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.knowledge import chunk_id
from assistant.models import Chunk

PER_DOC = 50
TOPICS = [
    ("the rights of the child", "儿童权利"),
    ("the protection of migrants", "保护移民"),
    ("the safety of journalists", "记者的安全"),
    ("violence against women and girls", "对妇女和女童的暴力行为"),
    ("the right to food", "食物权"),
    ("the right to development", "发展权"),
    ("the elimination of racial discrimination", "消除种族歧视"),
    ("the rights of persons with disabilities", "残疾人权利"),
    ("the rights of indigenous peoples", "土著人民权利"),
    ("trafficking in persons", "贩运人口"),
    ("the world drug problem", "世界毒品问题"),
    ("measures to eliminate international terrorism", "消除国际恐怖主义的措施"),
    ("the illicit trade in small arms and light weapons", "小武器和轻武器非法贸易"),
    ("climate change and sustainable development", "气候变化与可持续发展"),
    ("the protection of the oceans and the law of the sea", "保护海洋和海洋法"),
    ("global health and foreign policy", "全球卫生与外交政策"),
    ("the prevention of corruption and the return of assets", "预防腐败和追回资产"),
    ("the rule of law at the national and international levels", "国家和国际两级的法治"),
    ("the situation of human rights defenders", "人权维护者的状况"),
    ("freedom of religion or belief", "宗教或信仰自由"),
    ("the question of the death penalty", "死刑问题"),
    ("the right to privacy in the digital age", "数字时代的隐私权"),
    (
        "developments in the field of information and telecommunications in the context of international security",
        "从国际安全角度看信息和电信领域的发展",
    ),
    ("the creation of a global culture of cybersecurity", "创建全球网络安全文化"),
    ("strengthening the crime prevention and criminal justice programme", "加强预防犯罪和刑事司法方案"),
    (
        "technical assistance for the implementation of the conventions against terrorism",
        "为执行反恐怖主义公约提供技术援助",
    ),
    ("the protection of critical infrastructure", "保护关键基础设施"),
    ("the promotion of international cooperation in space", "促进和平利用外层空间的国际合作"),
    ("the eradication of poverty", "消除贫困"),
    ("humanitarian assistance in natural disasters", "自然灾害中的人道主义援助"),
    ("the improvement of the situation of women in rural areas", "改善农村地区妇女状况"),
    ("literacy for life and education for all", "扫盲促进生活和全民教育"),
    ("the rights of older persons", "老年人的权利"),
    ("the protection of cultural property", "保护文化财产"),
    ("the prevention of an arms race in outer space", "防止外层空间的军备竞赛"),
    ("the follow-up to the World Summit on the Information Society", "信息社会世界首脑会议的后续行动"),
]
BODIES = [
    ("the Secretary-General", "秘书长"),
    ("the United Nations Office on Drugs and Crime", "联合国毒品和犯罪问题办公室"),
    ("the Human Rights Council", "人权理事会"),
    ("the Economic and Social Council", "经济及社会理事会"),
    ("the Office of the United Nations High Commissioner for Human Rights", "联合国人权事务高级专员办事处"),
    ("the Commission on the Status of Women", "妇女地位委员会"),
    ("the regional commissions", "各区域委员会"),
    ("the specialized agencies", "各专门机构"),
]
EN = [
    "Recalling its resolution {r} of {d} on {t}",
    "Noting with concern the persistent challenges related to {t}",
    "Reaffirming its commitment to {t}",
    "Welcoming the report of {b} on {t}",
    "Requests {b} to submit to the General Assembly at its {s} session a report on {t}",
    "Encourages Member States to strengthen international cooperation on {t}",
    "Decides to include in the provisional agenda of its {s} session the item entitled {t}",
    "Invites {b} to continue to provide technical assistance to Member States on {t}",
    "Stresses the need for adequate resources for the work of {b} on {t}",
    "Calls upon all States to consider ratifying the instruments on {t}",
]
ZH = [
    "回顾其{d}关于{t}的第{r}号决议",
    "关切地注意到与{t}有关的挑战依然存在",
    "重申致力于{t}",
    "欢迎{b}关于{t}的报告",
    "请{b}向大会第{s}届会议提交关于{t}的报告",
    "鼓励会员国加强关于{t}的国际合作",
    "决定将题为“{t}”的项目列入其第{s}届会议临时议程",
    "邀请{b}继续就{t}向会员国提供技术援助",
    "强调需要为{b}关于{t}的工作提供充足资源",
    "吁请所有国家考虑批准关于{t}的文书",
]
SESSIONS = [("seventy-fifth", "七十五"), ("seventy-sixth", "七十六"), ("seventy-seventh", "七十七")]
MONTHS = "January February March April May June July August September October November December".split()


def clause_pool(size: int = 4000, seed: int = 74) -> list[tuple[str, str]]:
    """(lang, clause) pairs, half of each language; fixed for a seed."""
    rng = random.Random(seed)
    pool: list[tuple[str, str]] = []
    while len(pool) < size:
        lang = "en" if len(pool) % 2 == 0 else "zh"
        t, b, s = rng.choice(TOPICS), rng.choice(BODIES), rng.choice(SESSIONS)
        year, number, day, month = rng.randint(1990, 2019), rng.randint(45, 74), rng.randint(1, 28), rng.randint(1, 12)
        resolution = f"{number}/{rng.randint(1, 280)}"
        i = 0 if lang == "en" else 1
        template = rng.choice(EN if lang == "en" else ZH)
        date = f"{day} {MONTHS[month - 1]} {year}" if lang == "en" else f"{year}年{month}月{day}日"
        pool.append((lang, template.format(r=resolution, d=date, t=t[i], b=b[i], s=s[i])))
    return list(dict.fromkeys(pool))


def paragraphs(n: int, seed: int = 2019, pool: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, list[str]]]:
    """The first n (lang, clauses) paragraphs of the seeded stream: two or three clauses of one language."""
    pool = pool or clause_pool()
    by_lang = {lang: [c for lg, c in pool if lg == lang] for lang in ("en", "zh")}
    rng = random.Random(seed)
    for i in range(n):
        lang = "en" if i % 2 == 0 else "zh"
        yield lang, rng.sample(by_lang[lang], rng.choice((2, 3)))


def generated(n: int, seed: int = 2019) -> list[tuple[Chunk, list[str]]]:
    """n paragraphs as chunks of made-up documents A/BENCH/<k> (50 paragraphs each), one language
    each, with the clauses each is made of."""
    out = []
    for i, (lang, clauses) in enumerate(paragraphs(n, seed)):
        text = ", ".join(clauses) + "." if lang == "en" else "，".join(clauses) + "。"
        doc = f"A/BENCH/{i // PER_DOC + 1}"
        key = f"{doc} ¶{i % PER_DOC + 1}"
        indexed = f"{doc}, ¶{i % PER_DOC + 1}: {text}"
        chunk = Chunk(
            id=chunk_id(doc, key, lang, 0, "text", indexed),
            doc=doc,
            paragraph=key,
            lang=lang,
            kind="paragraph",
            text=text,
            indexed=indexed,
        )
        out.append((chunk, clauses))
    return out


class ComposedEmbeddings(Embeddings):
    """Dense vectors for generated paragraphs without embedding each one: the normalised mean of the
    real E5 vectors of its clauses (each clause embedded once, cached by the real embedder). Any
    other text (the resolution's chunks, queries) goes to the real embedder. An approximation,
    checked against real vectors at 10k (docs/benchmarks.md)."""

    def __init__(self, real: Embeddings, parts: dict[str, list[str]]) -> None:
        self.real = real
        self.parts = parts  # indexed text -> its clauses
        self._clauses: dict[str, np.ndarray] = {}

    def _vectors(self, clauses: list[str]) -> list[np.ndarray]:
        todo = list(dict.fromkeys(c for c in clauses if c not in self._clauses))
        if todo:
            for c, v in zip(todo, self.real.embed_documents(todo), strict=True):
                self._clauses[c] = np.asarray(v, dtype=np.float32)
        return [self._clauses[c] for c in clauses]

    def warm(self) -> None:
        """Embed every clause now (the only real embedding the generated paragraphs cost)."""
        self._vectors([c for clauses in self.parts.values() for c in clauses])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        composed = [t for t in texts if t in self.parts]
        self._vectors([c for t in composed for c in self.parts[t]])
        others = iter(self.real.embed_documents([t for t in texts if t not in self.parts]))
        out = []
        for t in texts:
            if t in self.parts:
                mean = np.mean(self._vectors(self.parts[t]), axis=0)
                out.append((mean / np.linalg.norm(mean)).tolist())
            else:
                out.append(next(others))
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.real.embed_query(text)
