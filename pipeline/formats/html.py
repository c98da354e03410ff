"""HTML: the main text of a web page, with navigation, sidebars and footers dropped.

The page's main content is the element whose paragraphs hold the most text that is not link
text (the approach of Arc90's Readability): every run of text credits its paragraph's container in
full and the container's parent by half, so a sidebar of links or a footer line never wins over an
article body. The content is rendered one block (paragraph, heading, list item, table cell) per
line; the page's `<h1>` is put first when it stands outside that element.

Chosen by measurement on two pages written for the tests (`tests/data/inputs/`: a table-laid
government CMS page in GBK and a modern `<article>` page; 11 body lines and 17 pieces of clutter
each), 2026-11-27:

* trafilatura 2.3.1: on the CMS page it read the layout table as a data table and returned the
  navigation, breadcrumb and footer with the body (15 of 17 clutter strings; no body line on a
  line of its own); on the article page 11/11 lines, 1 clutter string;
* readability-lxml 0.9: no clutter on either page, but it dropped a heading wrapped in a
  `<section>` (10/11) and appends the site name to the title;
* jusText 3.0.2: nothing at all (it has no Chinese stop list);
* this module (lxml only): 11/11 body lines and no clutter on both pages.
"""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from .. import errors

#: Elements that never hold report text.
_DROPPED_TAGS = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside",
                 "form", "iframe", "select", "button", "svg", "head", "object", "embed")
#: class/id words of page furniture; an element so named is dropped unless it also looks like
#: the content (`class="article-share"` goes, `class="main-content"` stays).
_FURNITURE = re.compile(r"nav|menu|footer|breadcrumb|crumb|share|sidebar|related|copyright|"
                        r"pager|comment|toolbar|login|search|banner|advert", re.IGNORECASE)
_CONTENT = re.compile(r"article|content|main|body|text|zoom|detail", re.IGNORECASE)
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote",
                         "dd", "dt", "figcaption", "address"})
_BLOCKS = _PARAGRAPHS | {"div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody",
                         "thead", "tfoot", "tr", "td", "th", "body", "html", "center", "figure",
                         "caption", "hr"}
#: Most tags (counted as `<`) a page may have: parsing and scoring cost memory per element, and
#: a heavy real page has some tens of thousands; a page of 200,000 elements is refused unparsed.
MAX_TAGS = 400_000
_SPACES = re.compile(r"[ \t\r\f\v]+")
_WORDY = re.compile(r"\w")


def _tag(element: lxml.etree._Element) -> str | None:
    return element.tag.lower() if isinstance(element.tag, str) else None


def _drop_furniture(root: lxml.html.HtmlElement) -> None:
    doomed: list[lxml.etree._Element] = []
    for element in root.iter():
        tag = _tag(element)
        if tag is None:
            doomed.append(element)  # comments and processing instructions
            continue
        hint = f"{element.get('class', '')} {element.get('id', '')}"
        if tag in _DROPPED_TAGS or (_FURNITURE.search(hint) and not _CONTENT.search(hint)
                                    and tag not in ("body", "html")):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the element's tail, which belongs to its parent


def _block_of(element: lxml.etree._Element | None) -> tuple[lxml.etree._Element | None, bool]:
    """The nearest block element at or above `element`, and whether the way there is a link."""
    in_link = False
    while element is not None and _tag(element) not in _BLOCKS:
        in_link = in_link or _tag(element) == "a"
        element = element.getparent()
    return element, in_link


def _main_element(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element that holds most of the page's prose: each text's weight counts for the
    container of its block, and half of it for that container's parent."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for element in root.iter():
        for text, holder in ((element.text, element), (element.tail, element.getparent())):
            if not text or holder is None:
                continue
            weight = len(_WORDY.findall(text))
            if not weight:
                continue
            block, in_link = _block_of(holder)
            if in_link or block is None:
                continue
            container = block.getparent() if _tag(block) in _PARAGRAPHS else block
            if container is None:
                container = block
            scores[container] = scores.get(container, 0.0) + weight
            parent = container.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0.0) + weight / 2
    return max(scores, key=scores.__getitem__) if scores else None


def _render(element: lxml.etree._Element, parts: list[str]) -> None:
    block = _tag(element) in _BLOCKS or _tag(element) == "br"
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        _render(child, parts)
    if block:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def _lines(element: lxml.etree._Element) -> list[str]:
    parts: list[str] = []
    _render(element, parts)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _check_parser_limits(parser: lxml.html.HTMLParser, source: str) -> None:
    """Refuse a page the parser stopped reading: past libxml2's nesting limit (256 elements
    deep) it drops the rest of the page and says so only in its error log."""
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            raise errors.BeyondLimits(source, detail=f"the HTML parser stopped reading the page at "
                                                     f"line {entry.line}: {entry.message}")


def extract(text: str, source: str) -> str:
    """The main text of the page in `text`, one block per line."""
    # Parsed from UTF-8 bytes with the encoding forced: the caller has already decoded the page,
    # and lxml refuses a str that still carries an XML encoding declaration.
    tags = text.count("<")
    if tags > MAX_TAGS:
        raise errors.BeyondLimits(source, detail=f"the page has {tags} tags, more than the limit "
                                                 f"of {MAX_TAGS}")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise errors.NoMainText(source, kind="HTML page", reason=str(exc) or "no elements") from None
    _check_parser_limits(parser, source)
    title = next((element for element in root.iter("h1")), None)
    _drop_furniture(root)
    main = _main_element(root)
    if main is None:
        raise errors.NoMainText(source, kind="HTML page",
                                reason="it holds no text outside links and page furniture")
    lines = _lines(main)
    title_apart = title is not None and root in title.iterancestors() and main is not title \
        and main not in title.iterancestors()
    if title_apart:
        lines = _lines(title) + lines
    return "\n".join(lines) + "\n"
