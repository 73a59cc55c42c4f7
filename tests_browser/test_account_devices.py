"""Appareils et sessions in a real browser: the same person signed in from two browsers
(different User-Agents), listed with « Cet appareil » marked; signing out the other one
throws it back to the sign-in screen at its next action; « Déconnecter les autres
appareils » ends the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from conftest import PHONE_VIEWPORT, Person

Shoot = Callable[..., Path]

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def contexts(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    opened: list[BrowserContext] = []

    def open_page(user_agent: str, *, mobile: bool) -> Page:
        context = browser.new_context(
            base_url=live_server,
            user_agent=user_agent,
            viewport=PHONE_VIEWPORT if mobile else {"width": 1280, "height": 800},
            device_scale_factor=1,
            is_mobile=mobile,
            has_touch=mobile,
            locale="fr-FR",
            timezone_id="Africa/Abidjan",
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


def log_in(page: Page, person: Person) -> None:
    page.goto("/")
    page.get_by_label("Numéro de téléphone ou e-mail").fill(person.identifier)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Mot de passe").fill(person.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#solde")).to_be_visible()


class TestDevices:
    def test_sign_out_the_other_browser_then_all_others(
        self,
        contexts: Callable[..., Page],
        make_person: Callable[..., Person],
        shoot: Shoot,
    ) -> None:
        person = make_person()  # a first session, opened by the API (« Client HTTP »)
        phone = contexts(ANDROID_CHROME, mobile=True)
        computer = contexts(WINDOWS_CHROME, mobile=False)
        log_in(phone, person)
        log_in(computer, person)

        phone.goto("/#/profil")
        phone.get_by_role("link", name="Appareils et sessions").click()
        expect(phone.get_by_role("heading", name="Appareils et sessions")).to_be_visible()
        sessions = phone.get_by_role("list", name="Mes sessions ouvertes").locator("li")
        expect(sessions).to_have_count(3)
        expect(sessions.first).to_contain_text("Android · Chrome")
        expect(sessions.first).to_contain_text("Cet appareil")
        expect(sessions.first).to_contain_text("Réseau local")
        expect(sessions.nth(1)).to_contain_text("Chrome sur Windows")
        expect(sessions.nth(2)).to_contain_text("Client HTTP")
        # Only the other sessions can be signed out from here.
        expect(sessions.first.get_by_role("button")).to_have_count(0)
        shoot(phone, "appareils-et-sessions")

        phone.get_by_role("button", name="Déconnecter Chrome sur Windows").click()
        expect(phone.locator(".toast")).to_contain_text("Chrome sur Windows est déconnecté.")
        expect(sessions).to_have_count(2)

        # The computer's next action finds its session ended: back to the sign-in screen.
        computer.goto("/#/profil")
        expect(computer.get_by_label("Numéro de téléphone ou e-mail")).to_be_visible()
        shoot(computer, "appareils-session-terminee")

        phone.get_by_role("button", name="Déconnecter les autres appareils").click()
        expect(phone.locator(".toast").last).to_contain_text("1 autre session déconnectée.")
        expect(sessions).to_have_count(1)
        expect(phone.get_by_role("button", name="Déconnecter les autres appareils")).to_be_hidden()
        shoot(phone, "appareils-seul")

        # This phone goes on.
        phone.goto("/#/")
        expect(phone.locator("#solde")).to_be_visible()
