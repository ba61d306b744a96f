"""The web page in a real headless browser: Debian's chromium driven by playwright.

No browser is downloaded: ``make browser`` installs the system chromium; without it these tests
are skipped with the reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.settings import Settings
from service.app import create_app
from service.server import serve_in_thread
from tests.service.conftest import copy_registry, make_matcher

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Set SOLIRIS_SCREENSHOTS=folder to keep the screenshots (they go to a temporary folder).
SHOTS = os.environ.get("SOLIRIS_SCREENSHOTS")


@pytest.fixture(scope="module")
def base_url(registry_template: Path, tmp_path_factory: pytest.TempPathFactory,
             encoder: Encoder) -> Iterator[str]:
    matcher = make_matcher(registry_template, tmp_path_factory.mktemp("browser"), encoder)
    with serve_in_thread(create_app(matcher=matcher)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (run `make browser`"
                    " or `apt-get install chromium`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # The page must load nothing from elsewhere.
    page.on("request", lambda r: problems.append("external " + r.url)
            if not r.url.startswith(base_url) and not r.url.startswith("data:") else None)
    page.problems = problems
    yield page
    context.close()


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_type_an_initiative_and_see_result_cards(page, base_url, tmp_path):
    page.goto(base_url + "/")
    page.select_option("#lang", "en")
    assert page.locator("label[for=text]").inner_text() == "Describe your initiative"
    page.locator("#text").click()
    page.keyboard.type("We want to bring drinking water to Kintambo in Kinshasa with the "
                       "Congolese diaspora and a Brussels commune.")
    page.locator("#submit").focus()
    page.keyboard.press("Enter")  # submitted with the keyboard
    cards = page.locator("#results .result-card")
    cards.first.wait_for()
    assert cards.count() == 10
    first = cards.first
    names = cards.locator(".card-title").all_inner_texts()
    assert {"Commune d'Uccle", "Bana Kintambo"} & set(names[:3])
    assert first.locator(".kind").inner_text()
    assert re.fullmatch(r"\d\.\d\d", first.locator(".score-value").inner_text())
    assert "Congo" in cards.locator(".countries").all_inner_texts()[names.index(
        next(n for n in names if n in ("Commune d'Uccle", "Bana Kintambo")))]
    assert first.locator(".reasons li").count() >= 1
    assert "10 partners found." in page.locator("#status").inner_text()
    # Focus went to the results heading, for keyboard and screen-reader users.
    assert page.evaluate("document.activeElement.id") == "results-title"
    shot(page, tmp_path, "1-results-en")

    # The language switch re-asks: reasons come back in French.
    page.select_option("#lang", "fr")
    expect(page.locator("#status")).to_contain_text("trouvé")
    assert page.locator("label[for=text]").inner_text() == "Décrivez votre initiative"
    reasons = " ".join(page.locator("#results .reasons li").all_inner_texts())
    assert "partenaire" in reasons
    assert page.evaluate("document.documentElement.lang") == "fr"
    shot(page, tmp_path, "2-results-fr")

    # Filters: kind and partner country.
    page.select_option("#kind", "ngo")
    page.fill("#country", "Maroc")
    page.fill("#top", "5")
    page.click("#submit")
    expect(page.locator("#results .result-card")).to_have_count(1)
    assert page.locator("#results .card-title").all_inner_texts() == ["Water for the Rif"]
    assert not page.problems, page.problems


def test_open_an_actor_page_and_come_back(page, base_url, tmp_path):
    page.goto(base_url + "/")
    page.select_option("#lang", "nl")
    page.fill("#text", "Jongeren opleiden in Mbour, Senegal, met de diaspora")
    page.click("#submit")
    link = page.locator("#results .card-title a").first
    link.wait_for()
    name = link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#actor-name")).to_have_text(name)
    assert re.search(r"/actors/[a-z0-9-]+$", page.url)
    assert page.locator("#actor-fields-list dt").first.inner_text() == "Beschrijving"
    page.locator("#actor-results .result-card").first.wait_for()
    assert name not in page.locator("#actor-results .card-title").all_inner_texts()
    shot(page, tmp_path, "3-actor-nl")
    page.go_back()
    page.locator("#search-view").wait_for()
    assert page.locator("#actor-view").is_hidden()
    assert page.locator("#results .result-card").count() >= 1
    # The actor's own address works when opened directly too.
    page.goto(base_url + "/actors/bana-kintambo")
    expect(page.locator("#actor-name")).to_have_text("Bana Kintambo")
    assert not page.problems, page.problems


def test_registered_actor_mode_and_errors(page, base_url, tmp_path):
    page.goto(base_url + "/")
    page.select_option("#lang", "en")
    page.click("#submit")  # nothing typed
    assert "Describe the initiative" in page.locator("#status").inner_text()
    assert page.locator("#text").get_attribute("aria-invalid") == "true"
    page.fill("#text", "Water")
    page.fill("#country", "Atlantis")
    page.click("#submit")
    expect(page.locator("#status")).to_contain_text("Atlantis")
    assert page.locator("#status").get_attribute("role") == "alert"
    assert page.locator("#country").get_attribute("aria-invalid") == "true"
    page.fill("#country", "")
    page.check("#mode-actor")
    page.locator("#actor option[value=gemeente-molenbeek]").wait_for(state="attached")
    page.fill("#actor-search", "molenbeek")
    expect(page.locator("#actor option")).to_have_count(1)
    page.fill("#actor-search", "---")  # no letters: everyone again, and no error
    expect(page.locator("#actor option")).not_to_have_count(1)
    expect(page.locator("#status")).not_to_contain_text("no letters")
    page.fill("#actor-search", "molenbeek")
    expect(page.locator("#actor option")).to_have_count(1)
    page.select_option("#actor", "gemeente-molenbeek")
    page.click("#submit")
    page.locator("#results .result-card").first.wait_for()
    ids = page.locator("#results .result-card").evaluate_all(
        "cards => cards.map(c => c.dataset.id)")
    assert "gemeente-molenbeek" not in ids and "teranga-bxl" in ids[:3]
    shot(page, tmp_path, "4-actor-mode")
    assert not [p for p in page.problems if "Atlantis" not in p and "422" not in p], \
        page.problems


@contextmanager
def page_of_own_service(browser, encoder: Encoder, settings: Settings,
                        lang: str = "en") -> Iterator[Page]:
    """The page, in ``lang``, of a service of its own (a registry or settings unlike the
    shared one), closed afterwards."""
    matcher = Matcher(settings, encoder=encoder)
    with serve_in_thread(create_app(matcher=matcher)) as url:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(url + "/")
        page.select_option("#lang", lang)
        yield page
        context.close()


def test_an_empty_registry_is_said_to_be_empty(browser, tmp_path, encoder):
    with page_of_own_service(browser, encoder, Settings(db_path=tmp_path / "empty.db")) as page:
        page.fill("#text", "Drinking water in Kinshasa")
        page.click("#submit")
        expect(page.locator("#status")).to_have_text(
            "The registry is empty: no actor is registered yet.")


def test_a_failed_actor_search_clears_its_error_once_a_search_succeeds(page, base_url):
    # The service may drop one request (a restart); the next good search must not leave the
    # old error on screen.
    page.route(re.compile(r".*/api/actors\?.*q=unreachable.*"), lambda route: route.abort())
    page.goto(base_url + "/")
    page.select_option("#lang", "en")
    page.check("#mode-actor")
    page.locator("#actor option[value=gemeente-molenbeek]").wait_for(state="attached")
    page.fill("#actor-search", "unreachable")
    expect(page.locator("#status")).to_have_text(
        "The service does not answer; try again in a moment.")
    page.fill("#actor-search", "molenbeek")
    expect(page.locator("#actor option")).to_have_count(1)
    expect(page.locator("#status")).to_have_text("")
    assert not [p for p in page.problems if "ERR_FAILED" not in p], page.problems


def test_the_page_takes_its_largest_top_from_the_service(browser, tmp_path, encoder):
    settings = Settings(db_path=tmp_path / "r.db", max_top=3)
    with page_of_own_service(browser, encoder, settings) as page:
        expect(page.locator("#top")).to_have_attribute("max", "3")
        page.fill("#text", "Drinking water in Kinshasa")
        page.fill("#top", "4")
        page.click("#submit")
        expect(page.locator("#status")).to_have_text(
            "The number of results must be from 1 to 3.")


def test_counts_and_errors_are_said_in_the_page_language(browser, tmp_path, encoder,
                                                          registry_template):
    db = copy_registry(registry_template, tmp_path / "r.db")
    with page_of_own_service(browser, encoder, Settings(db_path=db), lang="fr") as page:
        page.fill("#text", "Eau potable à Kinshasa")
        for top, said in (("1", "1 partenaire trouvé."), ("2", "2 partenaires trouvés.")):
            page.fill("#top", top)
            page.click("#submit")
            expect(page.locator("#status")).to_have_text(said)
        for path in tmp_path.glob("r.db*"):  # the registry is gone: a 503 from the service
            path.unlink()
        page.click("#submit")
        status = page.locator("#status")
        expect(status).to_contain_text("Le service est momentanément indisponible")
        expect(status).to_contain_text("missing")  # the service's own message follows
        assert status.get_attribute("role") == "alert"
