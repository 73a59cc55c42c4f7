"""Santé in a real browser: the nearest hospital and its tap-to-call link, search with a
typo, the detail page, and the emergency numbers still shown offline once visited.

No one signs in: the directory and the emergency numbers are public."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

# Near the CHU de Cocody (Abidjan): the seeded directory has CHUs and hospitals around.
COCODY = {"latitude": 5.3440, "longitude": -3.9930}
Shoot = Callable[[Page, str], Path]
# evaluate() runs outside the page's CSP (wait_for_function would need 'unsafe-eval').
WAIT_FOR_SERVICE_WORKER = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  return true;
}"""


class TestNearMe:
    def test_nearest_hospital_has_a_tel_link(
        self, phone: Page, live_server: str, shoot: Shoot
    ) -> None:
        phone.context.set_geolocation(COCODY)
        phone.goto("/#/sante")
        expect(phone.locator(".place-item").first).to_be_visible()
        expect(phone.get_by_role("status").filter(has_text="autour de vous")).to_be_visible()
        shoot(phone, "sante-proches")

        phone.get_by_role("button", name="CHU", exact=True).click()
        expected = httpx.get(
            f"{live_server}/api/etablissements/proches",
            params={
                "lat": COCODY["latitude"],
                "lon": COCODY["longitude"],
                "rayon": 5000,
                "categorie": "chu",
            },
        ).json()["data"][0]
        first = phone.locator(".place-item").first
        expect(first.locator(".place-name")).to_have_text(expected["nom"])
        assert expected["telephone"]["appel"].startswith("tel:+225")
        expect(first.locator("a.call")).to_have_attribute("href", expected["telephone"]["appel"])
        shoot(phone, "sante-filtre-chu")

        first.locator(".place-name").click()
        expect(phone).to_have_url(f"{live_server}/#/sante/{expected['id_etablissement']}")
        expect(phone.locator("main h2")).to_have_text(expected["nom"])
        calls = phone.locator(".phones a.call")
        expect(calls.first).to_have_attribute("href", expected["telephone"]["appel"])
        expect(phone.get_by_role("link", name="Itinéraire (OpenStreetMap)")).to_have_attribute(
            "href", str(expected_directions(live_server, expected["id_etablissement"]))
        )
        expect(phone.locator(".attribution")).to_contain_text("OpenStreetMap contributors")
        shoot(phone, "sante-fiche")

    def test_search_tolerates_a_typo(self, phone: Page, shoot: Shoot) -> None:
        phone.goto("/#/sante")
        phone.get_by_label("Rechercher un établissement").fill("hopitl")
        phone.get_by_role("button", name="Chercher").click()
        expect(phone.get_by_role("status").filter(has_text="pour « hopital »")).to_be_visible()
        assert phone.locator(".place-item").count() > 0
        expect(phone.locator(".place-item .place-name").first).to_contain_text("pital")
        shoot(phone, "sante-recherche")

    def test_filters_narrow_the_list(self, phone: Page) -> None:
        phone.context.set_geolocation(COCODY)
        phone.goto("/#/sante")
        expect(phone.locator(".place-item").first).to_be_visible()
        phone.get_by_role("button", name="Urgences", exact=True).click()
        expect(phone.get_by_role("button", name="Urgences", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        items = phone.locator(".place-item")
        expect(items.first.locator(".badge", has_text="Urgences")).to_be_visible()
        for index in range(min(items.count(), 5)):
            expect(items.nth(index).locator(".badge", has_text="Urgences")).to_be_visible()


def expected_directions(base: str, establishment_id: int) -> str:
    return httpx.get(f"{base}/api/etablissements/{establishment_id}").json()["data"]["itineraire"][
        "openstreetmap"
    ]


class TestEmergencyNumbers:
    def test_shown_offline_once_visited(self, phone: Page, shoot: Shoot) -> None:
        phone.goto("/")
        # The service worker takes the page over (clients.claim) once installed.
        phone.evaluate(WAIT_FOR_SERVICE_WORKER)
        phone.goto("/#/urgences")
        samu = phone.locator('a.emergency[href="tel:185"]')
        expect(samu).to_contain_text("185")
        expect(samu).to_contain_text("SAMU")
        shoot(phone, "urgences")

        phone.context.set_offline(True)
        try:
            phone.reload()
            expect(phone.locator('a.emergency[href="tel:185"]')).to_contain_text("185")
            # Leaving and coming back offline still works (cache, then the saved copy).
            phone.goto("/#/sante")
            expect(phone.locator(".map.offline, .place-item, .empty").first).to_be_visible()
            phone.goto("/#/urgences")
            expect(phone.locator('a.emergency[href="tel:185"]')).to_be_visible()
            shoot(phone, "urgences-hors-ligne")
        finally:
            phone.context.set_offline(False)

    def test_saved_copy_when_nothing_is_cached(self, phone: Page) -> None:
        phone.goto("/#/urgences")
        expect(phone.locator('a.emergency[href="tel:185"]')).to_be_visible()
        phone.evaluate(WAIT_FOR_SERVICE_WORKER)
        # Without the service worker's copy nor the HTTP cache's, the page falls back on
        # the list it saved itself.
        phone.evaluate("caches.delete('hostolink-data')")
        phone.context.new_cdp_session(phone).send("Network.clearBrowserCache")
        phone.context.set_offline(True)
        try:
            phone.goto("/#/sante")
            phone.goto("/#/urgences")
            expect(phone.locator("main").get_by_role("status")).to_contain_text(
                "Hors ligne : liste enregistrée le"
            )
            expect(phone.locator('a.emergency[href="tel:185"]')).to_contain_text("SAMU")
        finally:
            phone.context.set_offline(False)

    def test_reachable_from_sante(self, phone: Page) -> None:
        phone.goto("/#/sante")
        phone.get_by_role("link", name="Numéros d'urgence").click()
        expect(phone.locator('a.emergency[href="tel:185"]')).to_be_visible()
