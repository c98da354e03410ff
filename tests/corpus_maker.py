"""Invented reports for the corpus tests: many distinct short reviews of invented places, and
the ways a web corpus repeats one (cut, re-punctuated, in traditional characters, wrapped in a
site's navigation and footer). Nothing here is copied from a real report."""
from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

#: Characters invented place names and campaign names are drawn from.
_NAME_CHARS = "岚溪桃松禾青柳岸云栖墨川棠砚湖白鹭湾石泉枫林梅安平远清河丰宁西东南北新华兴德兰山峰"
_WORD_CHARS = ("同心携手聚力凝心筑梦共建协商民主服务发展振兴乡贤侨胞商会企业青年人才文化"
               "宗教民族团结和谐法治创新实践基地阵地平台品牌联络培训调研走访帮扶助学")
_TOPICS = ["党外代表人士队伍建设", "民营经济健康发展", "民族团结进步创建", "宗教活动场所规范管理",
           "新乡贤参与乡村振兴", "海外侨胞联络联谊", "新的社会阶层人士服务", "政党协商", "知联会建设"]
_SENTENCES = [
    "{place}委统战部围绕{topic}，开展“{name}”活动{n}次，参与群众{m}人次。",
    "全年召开{topic}专题会议{n}次，协调解决问题{m}个。",
    "组织党外代表人士开展{topic}调研{n}次，形成调研报告{m}篇。",
    "{place}工商联推动{topic}，引导{m}家民营企业参与“{name}”行动。",
    "建成“{name}”服务站{n}个，覆盖{m}个村（社区）。",
    "举办{topic}培训班{n}期，培训{m}人次。",
    "{place}知联会联系专家{n}名，围绕{topic}提出建议{m}条。",
    "深化“{name}”品牌建设，累计帮扶困难群众{m}户。",
    "创新“{name}”工作法，推动{topic}走深走实。",
    "走访侨眷家庭{m}户，收集意见建议{n}条。",
]


def _word(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(_WORD_CHARS) for _ in range(size))


def report(rng: random.Random) -> str:
    place = "".join(rng.sample(_NAME_CHARS, 2)) + rng.choice("县区市")
    year = rng.randint(2015, 2024)
    lines = [f"{place}{year}年统一战线工作总结"]
    for _ in range(rng.randint(8, 12)):
        template = rng.choice(_SENTENCES)
        lines.append(template.format(place=place, topic=rng.choice(_TOPICS), name=_word(rng, 4),
                                     n=rng.randint(2, 40), m=rng.randint(50, 9000)))
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _to_traditional() -> dict[int, int]:
    table = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "traditional_to_simplified.tsv"
    mapping: dict[int, int] = {}
    for line in table.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split("\t")
            mapping.setdefault(ord(simplified), ord(traditional))
    return mapping


def cut(text: str, rng: random.Random) -> str:
    """The first part only, as a page that printed the opening and linked to the rest."""
    return text[:int(len(text) * rng.uniform(0.55, 0.75))]


def repunctuated(text: str, rng: random.Random) -> str:
    """Half-width punctuation, spaces where commas were, lines joined."""
    return text.replace("，", " ").replace("。", ". ").replace("“", '"').replace("”", '"') \
        .replace("\n", " ")


def traditional(text: str, rng: random.Random) -> str:
    return text.translate(_to_traditional())


def with_furniture(text: str, rng: random.Random) -> str:
    return (f"首页 > 工作动态 > 统战要闻\n发布时间：2024-0{rng.randint(1, 9)}-12 浏览次数：{rng.randint(10, 999)}\n"
            f"{text}\n【打印本页】【关闭窗口】\n版权所有 Copyright All Rights Reserved\n")


REPOSTS = (cut, repunctuated, traditional, with_furniture)
