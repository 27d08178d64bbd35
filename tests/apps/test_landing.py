"""The apps' landing page (`make apps` opens on it): every app named, described and linked, in a real browser.

The page is the "exsitu" Voilà template (share/jupyter/voila/templates/exsitu/tree.html, chosen by apps/voila.py).
"""

from __future__ import annotations

from tests.apps.helpers import INTERACTIVE, REPO_ROOT, page_problems, server_problems

APPS = sorted(path.name for path in (REPO_ROOT / "apps").glob("*.ipynb"))


def test_landing_page_names_describes_and_links_every_app(browser_page, voila_server):
    page = browser_page
    page.goto(voila_server.url)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "workshop apps" in page.title()
    items = page.locator("ul.apps > li")
    assert items.count() == len(APPS), items.all_inner_texts()
    targets = []
    for index in range(items.count()):
        item = items.nth(index)
        name, description = item.locator("a").inner_text(), item.locator("p").inner_text()
        assert name and not name.endswith(".ipynb"), name  # a title, not a file name
        assert len(description) > 40 and description != "Another app in this folder.", (name, description)
        targets.append(item.locator("a").get_attribute("href").rsplit("/", 1)[-1])
    assert sorted(targets) == APPS
    assert items.first.locator("a").inner_text() == "ECA workbench"  # the main app first
    assert not page_problems(page), page_problems(page)


def test_a_link_on_the_landing_page_opens_its_app(browser_page, voila_server):
    page = browser_page
    page.goto(voila_server.url)
    page.get_by_role("link", name="Red List and range calculator").click()
    page.locator(INTERACTIVE).first.wait_for(state="visible", timeout=90_000)
    assert page.url.endswith("/voila/render/redlist-calculator.ipynb")
    assert not server_problems(voila_server.log_text()), voila_server.log_text()[-3000:]
