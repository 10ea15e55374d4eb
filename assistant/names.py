"""Names a sentence asserts (places, bodies, States, other capitalised words) and which of them its
sources lack. A name is a fact like a number: "the session is held in Geneva" is wrong against a
paragraph that says New York, however close the two sentences are in meaning."""

from __future__ import annotations

import re
from functools import cache

# The speaker of every paragraph: "Decides ..." is the General Assembly's decision even where the
# paragraph does not name it, so naming it is no claim to check.
SPEAKER = re.compile(r"(?:the\s+)?(?:United Nations\s+)?General Assembly|the Assembly|联合国大会|大会", re.I)
# Names that have more than one spelling (acronyms, the other language): any variant in the cited
# text supports any variant in the sentence. Places, bodies and countries readers confuse are listed
# so that a Chinese sentence naming them is checked too (English names are checked by capitals).
# Cities, where United Nations bodies meet and texts are adopted: what a "where" question asks for.
CITIES: tuple[tuple[str, ...], ...] = (
    ("New York", "纽约"),
    ("Vienna", "维也纳"),
    ("Doha", "多哈"),
    ("Geneva", "日内瓦"),
    ("Salvador", "萨尔瓦多"),
    ("Budapest", "布达佩斯"),
    ("Paris", "巴黎"),
    ("Moscow", "莫斯科"),
    ("Beijing", "北京"),
    ("Washington", "华盛顿"),
    ("Nairobi", "内罗毕"),
    ("Bangkok", "曼谷"),
    ("Addis Ababa", "亚的斯亚贝巴"),
    ("The Hague", "海牙"),
)
NAMES: tuple[tuple[str, ...], ...] = (
    *CITIES,
    ("United Nations Office on Drugs and Crime", "UNODC", "毒品和犯罪问题办公室"),
    ("Commission on Crime Prevention and Criminal Justice", "CCPCJ", "预防犯罪和刑事司法委员会"),
    ("Economic and Social Council", "ECOSOC", "经济及社会理事会", "经社理事会"),
    ("Security Council", "安全理事会", "安理会"),
    ("Human Rights Council", "人权理事会"),
    ("Secretary-General", "SG", "秘书长"),
    ("Group of Governmental Experts", "GGE", "政府专家组"),
    ("Third Committee", "第三委员会"),
    ("First Committee", "第一委员会"),
    ("Sixth Committee", "第六委员会"),
    ("artificial intelligence", "AI", "人工智能"),
    ("information and communications technolog", "ICTs", "ICT", "信息和通信技术", "信通技术"),
    ("United Nations", "UN", "联合国"),
    ("European Union", "EU", "欧洲联盟", "欧盟"),
    ("Council of Europe", "欧洲委员会"),
    ("United States", "美国"),
    ("United Kingdom", "英国"),
    ("France", "法国"),
    ("Germany", "德国"),
    ("Japan", "日本"),
    ("India", "印度"),
    ("Brazil", "巴西"),
    ("Russian Federation", "Russia", "俄罗斯"),
    ("China", "中国"),
    ("Cuba", "古巴"),
    ("Belarus", "白俄罗斯"),
    ("Iran", "伊朗"),
    ("Venezuela", "委内瑞拉"),
    ("Syrian Arab Republic", "Syria", "叙利亚"),
    ("Democratic People's Republic of Korea", "North Korea", "DPRK", "朝鲜"),
    ("Egypt", "埃及"),
    ("Nicaragua", "尼加拉瓜"),
    ("Algeria", "阿尔及利亚"),
    ("Kazakhstan", "哈萨克斯坦"),
    ("Myanmar", "缅甸"),
    ("Cambodia", "柬埔寨"),
    ("Zimbabwe", "津巴布韦"),
)
# Words that contain a listed name without naming it: 发展中国家 (developing countries) holds 中国.
NOT_NAMES = re.compile(r"发展中国家")
CAPITALISED = re.compile(r"(?<![\w/-])[A-Z][A-Za-z]+(?:-[A-Za-z]+)*")
LEADING = re.compile(r"^[\s\-*•\d.()“\"'‘]+")
MONTHS = set("January February March April May June July August September October November December".split())


def names(sentence: str) -> list[tuple[str, ...]]:
    """The names a sentence asserts, each as its group of accepted spellings: listed names by any
    spelling, and each other capitalised English word that is not the sentence's first."""
    text = NOT_NAMES.sub(" ", SPEAKER.sub(" ", sentence))
    found: list[tuple[str, ...]] = []
    for group in NAMES:
        for variant in group:
            pattern = variant_pattern(variant)
            if pattern.search(text):
                found.append(group)
                text = pattern.sub(" ", text)
                break
    body = LEADING.sub("", text)
    words = CAPITALISED.findall(body)
    if words and body.startswith(words[0]):
        words = words[1:]  # the first word is capitalised whatever it is
    found += [(w.removesuffix("'s"),) for w in words if w not in MONTHS]
    return found


@cache
def variant_pattern(variant: str) -> re.Pattern:
    if re.search(r"[\u4e00-\u9fff]", variant):
        return re.compile(re.escape(variant))
    if variant.isupper():  # "AI" is a name, "ai" is not; UNGA does not name the UN
        return re.compile(rf"(?<![A-Za-z]){re.escape(variant)}(?![A-Za-z])")
    return re.compile(rf"(?<![A-Za-z]){re.escape(variant)}", re.I)


def missing_names(sentence: str, sources: list[str]) -> list[str]:
    cited = NOT_NAMES.sub(" ", " ".join(sources))
    return [group[0] for group in names(sentence) if not any(variant_pattern(v).search(cited) for v in group)]


def holds_city(text: str) -> bool:
    """Whether a text names a city (CITIES) by any spelling."""
    return any(variant_pattern(v).search(text) for group in CITIES for v in group)
