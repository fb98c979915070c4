"""The web UI in a real browser (Debian's Chromium, driven by Playwright) against a real server.

Skipped where Playwright or /usr/bin/chromium is missing; `scripts/test.sh` installs both.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
SCREENSHOT = Path(__file__).parent / "artifacts" / "browser.png"
# The first turn of a fresh server loads the household's grammar.
FIRST_TURN_MS = 60_000
expect = sync_api.expect


class Server(Protocol):
    """What the `server` fixture of conftest.py yields."""

    url: str
    token: str


class Page:
    """A browser tab, with what it wrote to its console."""

    def __init__(self, page: sync_api.Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda err: self.errors.append(str(err)))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tab(browser: sync_api.Browser) -> Iterator[Page]:
    """A fresh tab with its own storage, as a desktop browser in Germany would have."""
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": 1360, "height": 1500}
    )
    yield Page(context.new_page())
    context.close()


def logged_in(tab: Page, server: Server) -> sync_api.Page:
    """Open the login link and wait until the home is shown."""
    page = tab.page
    page.goto(f"{server.url}/#token={server.token}")
    expect(page.get_by_role("switch", name="Küchenlicht")).to_be_visible(timeout=FIRST_TURN_MS)
    return page


def test_a_typed_command_is_answered_and_the_kitchen_light_shows_on(
    tab: Page, server: Server
) -> None:
    page = logged_in(tab, server)
    assert "token" not in page.url  # the login link's token left the address bar
    light = page.get_by_role("switch", name="Küchenlicht")
    expect(light).not_to_be_checked()

    page.get_by_placeholder("Was soll ich tun?").fill("Schalte das Licht in der Küche an")
    page.get_by_role("button", name="Senden").click()

    turn = page.locator(".turn").last
    reply = turn.locator(".reply:not(.pending)")
    expect(reply).to_be_visible(timeout=FIRST_TURN_MS)
    assert "eingeschaltet" in reply.inner_text().lower()
    expect(turn.locator(".intent")).to_contain_text("HassTurnOn")
    expect(turn.locator(".intent")).to_contain_text("area=Küche")
    expect(light).to_be_checked()
    expect(page.locator('[data-device="Küchenlicht"]')).to_have_attribute("data-state", "on")
    # The page's own turn, echoed by the event stream, is shown once.
    expect(page.locator(".turn")).to_have_count(1)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert tab.errors == []


def test_a_follow_up_continues_the_conversation(tab: Page, server: Server) -> None:
    page = logged_in(tab, server)
    ask = page.get_by_placeholder("Was soll ich tun?")
    ask.fill("Mach das Licht im Schlafzimmer an")
    ask.press("Enter")
    expect(page.locator(".turn .reply:not(.pending)")).to_have_count(1, timeout=FIRST_TURN_MS)
    ask.fill("und im Bad auch")
    ask.press("Enter")
    expect(page.locator(".turn .reply:not(.pending)")).to_have_count(2)
    expect(page.get_by_role("switch", name="Badlicht")).to_be_checked()
    assert tab.errors == []


def test_a_wrong_token_shows_the_login_form_with_the_error(tab: Page, server: Server) -> None:
    page = tab.page
    page.goto(f"{server.url}/#token=falsch-{uuid.uuid4().hex}")
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    expect(page.get_by_text("Anmeldung abgelaufen oder ungültig")).to_be_visible()
    expect(page.get_by_role("button", name="Abmelden")).to_be_hidden()

    page.get_by_label("Geräte-Token").fill(server.token)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible(timeout=FIRST_TURN_MS)


def test_a_list_item_added_in_the_page_is_there_after_a_reload(tab: Page, server: Server) -> None:
    page = logged_in(tab, server)
    text = f"Haferdrink {uuid.uuid4().hex[:6]}"
    shopping = page.locator('[data-list="Einkaufsliste"]')
    shopping.get_by_placeholder("Neuer Eintrag").fill(text)
    shopping.get_by_role("button", name="Hinzufügen").click()
    expect(shopping.get_by_text(text)).to_be_visible()

    page.reload()
    shopping = page.locator('[data-list="Einkaufsliste"]')
    expect(shopping.get_by_text(text)).to_be_visible(timeout=FIRST_TURN_MS)
    shopping.get_by_role("checkbox", name=f"{text} erledigt").check()
    expect(shopping.locator(".item.done", has_text=text)).to_be_visible()
    assert tab.errors == []


def test_push_to_talk_streams_the_microphone_and_shows_the_answer(
    tab: Page, server: Server
) -> None:
    page = logged_in(tab, server)
    expect(page.locator("#live")).to_have_text("Live")
    expect(page.get_by_role("button", name="Halten zum Sprechen")).to_be_enabled()
    talk = page.locator("#talk")  # its label changes while it is held
    box = talk.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    expect(talk).to_have_class(re.compile(r"\brecording\b"))
    expect(talk).to_have_text(re.compile("loslassen"))
    page.wait_for_timeout(1200)
    page.mouse.up()

    # Chromium's fake microphone plays a beep: the server hears no words, says so, does nothing.
    reply = page.locator(".turn .reply:not(.pending)")
    expect(reply).to_have_count(1, timeout=FIRST_TURN_MS)
    expect(reply.last).to_contain_text("nichts verstanden")
    expect(talk).to_have_text("Halten zum Sprechen")
    expect(page.locator(".turn .said").last).to_contain_text("Gesprochen")
    assert tab.errors == []


def test_the_status_page_shows_the_server_health(tab: Page, server: Server) -> None:
    page = tab.page
    page.goto(f"{server.url}/status")
    expect(page.get_by_text("Alles in Ordnung")).to_be_visible()
    expect(page.locator("#version")).not_to_have_text("–")
    expect(page.locator("#updated")).to_contain_text("Stand:")
    assert tab.errors == []
