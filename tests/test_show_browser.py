"""The `show` page in a real browser: it renders without console errors, its marks say what their
records say, its table of contents leads to every heading; a screenshot is kept for a person.

Needs Chromium (`apt-get install chromium`; `.ci/run` installs it) and the Playwright package
(the `test` extra). Skips, saying why, only where neither a browser nor the package is to be had.
"""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import CORPORA, ROOT

playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="the Playwright package is not installed")

#: Where the screenshot is kept, so a person can look at the page a test saw.
SCREENSHOTS = ROOT / "tests" / ".artifacts"
#: Flags that keep Chromium off the network and quiet in a root, headless, sandboxed machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                      "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


@pytest.fixture(scope="module")
def page_and_report(tmp_path_factory):
    from pipeline.cli import main

    folder = tmp_path_factory.mktemp("show")
    source = CORPORA / "reports" / "qingxi_county_2023.txt"
    assert main(["run", str(source), "-o", str(folder / "report.json")]) == 0
    assert main(["show", str(folder / "report.json")]) == 0
    report = json.loads((folder / "report.json").read_text("utf-8"))
    return folder / "report.html", report


@pytest.fixture(scope="module")
def browser_page(page_and_report):
    page_path, _ = page_and_report
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text)
                if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda request: problems.append(f"request {request.url}"))
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        yield page, problems
        browser.close()


def test_the_page_renders_without_console_errors(browser_page):
    page, problems = browser_page
    assert problems == []
    assert page.locator("mark").count() > 20
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "show_qingxi_county_2023.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_every_mark_shows_its_record(browser_page, page_and_report):
    page, _ = browser_page
    _, report = page_and_report
    marks = page.eval_on_selector_all(
        "mark:not(.TEXT)", "marks => marks.map(m => [m.className, m.firstChild.textContent,"
                           " m.getAttribute('title')])")
    records = {("QUANTITY", q["text"]) for q in report["quantities"]}
    records |= {(e["label"], e["text"]) for e in report["entities"]}
    records |= {("ACTIVITY", a["text"]) for a in report["activities"]}
    assert len(marks) > 20
    for kind, text, title in marks:
        assert (kind, text) in records, (kind, text)
        assert title, (kind, text)
    names = {a["text"]: a["name"] for a in report["activities"]}
    for kind, text, title in marks:
        if kind == "ACTIVITY":  # the name without quotes, then how often where the text says
            assert title.startswith(names[text]), (text, title)


def test_the_table_of_contents_leads_to_every_heading_at_its_level(browser_page, page_and_report):
    page, _ = browser_page
    _, report = page_and_report
    headed = [section for section in report["sections"] if section.get("heading")]
    links = page.eval_on_selector_all(
        "nav.contents a", "links => links.map(a => [a.getAttribute('href'), a.textContent])")
    assert [text for _, text in links] == [section["heading"]["text"] for section in headed]
    for (href, _), section in zip(links, headed):
        target = page.locator(href)
        assert target.count() == 1
        tag = target.evaluate("element => element.tagName")
        assert tag == ("H2" if section["level"] <= 1 else "H3"), section["heading"]["text"]
        assert target.locator(".area").inner_text().strip()  # the area in words, not colour only
    assert {section["level"] for section in headed} >= {1, 2}
