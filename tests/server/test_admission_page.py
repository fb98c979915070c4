"""The status page shows the admission figures (a real Chromium on a real server)."""

from __future__ import annotations

from tests.server.test_browser import Page, Server, browser, expect, tab  # noqa: F401 (fixtures)


def test_the_status_page_shows_limit_in_flight_queue_age_and_shed_by_class(
    tab: Page,  # noqa: F811
    server: Server,
) -> None:
    page = tab.page
    page.goto(f"{server.url}/status")
    expect(page.get_by_text("Lastregelung")).to_be_visible()
    expect(page.locator("#limit")).to_have_text("4")  # the adaptive limit's starting value
    for figure in ("#admitted", "#queued", "#shed-critical", "#shed-default", "#shed-sheddable"):
        expect(page.locator(figure)).to_have_text("0")
    expect(page.locator("#queue-age")).to_have_text("0 ms")
    expect(page.locator("#stage-stt")).to_have_text("0 von 1, 0 wartend, 0 abgewiesen, 0 nur Text")
    assert tab.errors == []
