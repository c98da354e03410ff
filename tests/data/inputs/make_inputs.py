"""Regenerate the non-plain fixtures in this folder from `report_body.txt`.

    .venv/bin/python tests/data/inputs/make_inputs.py

The outputs are committed, so tests need none of this script's tools: the PDF needs reportlab
(`pip install reportlab`), which is deliberately not a dependency of report-miner. The body text
was written for this project; its first line is the title and lines opening with `一、`... are
headings. The web pages wrap it in the clutter scraped pages really carry (navigation, a
breadcrumb, publication details, share buttons, related links, a footer) so that extraction can be
scored: `tests/test_formats.py` checks that every body line comes through and no clutter does.
"""
from __future__ import annotations

import html
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAVIGATION = ["首页", "机构概况", "工作动态", "政策法规", "理论研究", "党外人士", "联系我们"]
RELATED = ["区工商联召开执委会议", "民族团结进步宣传月活动启动", "新的社会阶层人士联谊会成立",
           "区侨联开展走访慰问活动"]
FOOTER = "版权所有：中共青川区委统战部　地址：青川区人民路88号　备案号：示ICP备00000000号"


def body_lines() -> list[str]:
    return (HERE / "report_body.txt").read_text("utf-8").splitlines()


def _paragraph_html(line: str) -> str:
    escaped = html.escape(line)
    if line[:2] in ("一、", "二、", "三、", "四、"):
        return f'<p style="text-indent:2em"><strong>{escaped}</strong></p>'
    return f'<p style="text-indent:2em">{escaped}</p>'


def cms_page() -> str:
    """A table-laid government CMS page, as many district sites still serve, declared gb2312."""
    title, *paragraphs = body_lines()
    nav = "".join(f'<td><a href="/c{i}/">{name}</a></td>' for i, name in enumerate(NAVIGATION))
    related = "".join(f'<tr><td><a href="/n{i}.html">{name}</a></td></tr>'
                      for i, name in enumerate(RELATED))
    body = "\n".join(_paragraph_html(line) for line in paragraphs)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_青川区委统战部</title>
<script type="text/javascript">var siteId = 12; function share(t) {{ return t; }}</script>
<style>td {{ font-size: 14px; }}</style></head>
<body><table width="1000" align="center"><tr><td><img src="/images/banner.jpg" alt="青川统战"></td></tr>
<tr><td><table class="nav"><tr>{nav}</tr></table></td></tr>
<tr><td>当前位置：<a href="/">首页</a> &gt; <a href="/c2/">工作动态</a></td></tr>
<tr><td><table width="100%"><tr><td width="720" valign="top">
<h1 align="center">{title}</h1>
<div class="info">发布时间：2024-01-15　来源：区委统战部　浏览次数：<span id="hits">328</span></div>
<div id="zoom">
{body}
</div>
<div class="share">分享到：微信 微博 QQ空间　【打印本页】【关闭窗口】</div>
</td><td width="260" valign="top"><table><tr><th>相关新闻</th></tr>{related}</table></td></tr></table>
</td></tr><tr><td align="center">{FOOTER}</td></tr></table></body></html>
"""


def article_page() -> str:
    """A modern page with semantic elements, UTF-8, the body split over nested divs and spans."""
    title, *paragraphs = body_lines()
    nav = "".join(f'<li><a href="/{i}">{name}</a></li>' for i, name in enumerate(NAVIGATION))
    related = "".join(f'<li><a href="/news/{i}">{name}</a><span>2024-01-0{i + 1}</span></li>'
                      for i, name in enumerate(RELATED))
    body = "\n".join(f"<section>{_paragraph_html(line)}</section>" if line[:2] == "一、"
                     else _paragraph_html(line) for line in paragraphs)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<header><div class="logo">青川统一战线</div><nav><ul>{nav}</ul></nav>
<form class="search"><input name="q" placeholder="请输入关键词"><button>搜索</button></form></header>
<div class="crumbs">您现在的位置：首页 &gt; 工作动态 &gt; 正文</div>
<main><article>
<h1>{title}</h1>
<div class="meta"><span>2024-01-15 09:30</span><span>来源：区委统战部</span><span>字号：大 中 小</span></div>
<div class="content">
{body}
</div>
<div class="editor">责任编辑：王某</div>
<div class="pager"><a href="/prev">上一篇：区工商联召开执委会议</a><a href="/next">下一篇：民族团结进步宣传月活动启动</a></div>
</article>
<aside><h3>热点新闻</h3><ul>{related}</ul></aside></main>
<footer><p>{FOOTER}</p><p>主办单位：中共青川区委统战部　技术支持：某某网络公司</p></footer>
<script>document.getElementById("hits").innerText = 329;</script>
</body></html>
"""


def write_docx(path: Path) -> None:
    from docx import Document

    title, *paragraphs = body_lines()
    document = Document()
    document.add_heading(title, level=0)
    for line in paragraphs:
        if line[:2] in ("一、", "二、", "三、", "四、"):
            document.add_heading(line, level=1)
        else:
            document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("项目", "数量"), ("示范点", "8个"))):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    document.add_paragraph("附表为全年创建示范点数量。")
    document.save(path)


def write_pdf(path: Path) -> None:
    """Two pages, long paragraphs hard-wrapped at the page width the way PDFs store them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    plain = ParagraphStyle("plain", fontName="STSong-Light", fontSize=12, leading=18,
                           wordWrap="CJK", firstLineIndent=24)
    heading = ParagraphStyle("heading", parent=plain, fontSize=14, leading=22, firstLineIndent=0)
    title, *paragraphs = body_lines()
    story = [Paragraph(title, heading)]
    for number, line in enumerate(paragraphs):
        story.append(Paragraph(line, heading if line[:2] in ("一、", "二、", "三、", "四、") else plain))
        if number == 4:
            story.append(PageBreak())

    def page_number(canvas, document):
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"- {document.page} -")

    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=page_number,
                                                     onLaterPages=page_number)


def main() -> None:
    (HERE / "report_cms.html").write_bytes(cms_page().encode("gbk"))
    (HERE / "report_article.html").write_text(article_page(), encoding="utf-8")
    write_docx(HERE / "report.docx")
    write_pdf(HERE / "report.pdf")


if __name__ == "__main__":
    main()
