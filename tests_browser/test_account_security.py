"""The « Sécurité » screen (from Profil), in the browser: a person defines a 6-digit PIN at
onboarding, changes it on the Sécurité screen (wrong current one first, then a guessable new
one, then a good one), and signs in again with the new PIN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import fresh_phone

Shoot = Callable[[Page, str], Path]

pytestmark = pytest.mark.usefixtures("no_script_error")

PINS = ("582914", "730461", "946027", "318572")


def pins_for(number: str) -> tuple[str, str]:
    """Two PINs that the policy accepts for this number (none of its own digits)."""
    digits = (number, "225" + number[1:], "225" + number)
    usable = [pin for pin in PINS if not any(pin in d for d in digits)]
    return usable[0], usable[1]


def test_pin_at_onboarding_then_changed_on_the_security_screen(
    phone: Page, outbox: Callable[[str], str], shoot: Shoot
) -> None:
    number = fresh_phone()
    first, second = pins_for(number)
    phone.goto("/")
    phone.get_by_label("Numéro de téléphone ou e-mail").fill(number)
    phone.get_by_role("button", name="Continuer").click()

    expect(phone.get_by_role("heading", name="Créez votre mot de passe")).to_be_visible()
    expect(
        phone.get_by_text("PIN de 4 à 6 chiffres ou mot de passe de 8 caractères")
    ).to_be_visible()
    # A guessable PIN: the API's reason is shown.
    phone.get_by_label("Mot de passe", exact=True).fill("123456")
    phone.get_by_label("Confirmez le mot de passe").fill("123456")
    phone.get_by_role("button", name="Recevoir mon code").click()
    expect(phone.get_by_role("alert")).to_contain_text("trop facile à deviner")
    shoot(phone, "inscription-pin-refuse")
    phone.get_by_label("Mot de passe", exact=True).fill(first)
    phone.get_by_label("Confirmez le mot de passe").fill(first)
    phone.get_by_role("button", name="Recevoir mon code").click()
    expect(phone.get_by_role("heading", name="Entrez votre code")).to_be_visible()
    phone.get_by_label("Code à 6 chiffres").fill(outbox(number))
    phone.get_by_role("button", name="Valider").click()
    expect(phone.locator("#solde")).to_be_visible()

    phone.goto("/#/profil")
    phone.get_by_role("link", name="Sécurité : changer mon mot de passe").click()
    expect(phone.get_by_role("heading", name="Changer mon mot de passe")).to_be_visible()
    new = phone.get_by_label("Nouveau PIN ou mot de passe")
    expect(new).to_have_attribute("inputmode", "numeric")
    expect(
        phone.get_by_text("PIN de 4 à 6 chiffres ou mot de passe de 8 caractères")
    ).to_be_visible()
    shoot(phone, "securite-changer-mot-de-passe")

    current = phone.get_by_label("PIN ou mot de passe actuel")
    confirmation = phone.get_by_label("Confirmez le nouveau")
    submit = phone.get_by_role("button", name="Changer mon mot de passe")
    alert = phone.get_by_role("alert")
    # Wrong current PIN: the server's sentence, and still signed in.
    current.fill("000111")
    new.fill(second)
    confirmation.fill(second)
    submit.click()
    expect(alert).to_have_text("Mot de passe actuel incorrect.")
    # A 7-digit secret is neither a PIN nor a password: said before asking the API.
    current.fill(first)
    new.fill("1234567")
    confirmation.fill("1234567")
    submit.click()
    expect(alert).to_contain_text("Un PIN comporte 4 à 6 chiffres")
    # The number's own digits: the API's reason.
    own = number[-4:]
    new.fill(own)
    confirmation.fill(own)
    submit.click()
    expect(alert).to_contain_text("chiffres de votre identifiant")
    shoot(phone, "securite-pin-refuse")

    new.fill(second)
    confirmation.fill(second)
    submit.click()
    expect(phone.get_by_role("status").filter(has_text="Mot de passe changé")).to_be_visible()
    shoot(phone, "securite-mot-de-passe-change")

    # This session goes on; then sign out and in again with the new PIN.
    phone.goto("/#/profil")
    phone.get_by_role("button", name="Se déconnecter").click()
    phone.get_by_label("Numéro de téléphone ou e-mail").fill(number)
    phone.get_by_role("button", name="Continuer").click()
    expect(phone.get_by_role("heading", name="Bon retour !")).to_be_visible()
    phone.get_by_label("Mot de passe").fill(first)
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.get_by_role("alert")).to_contain_text("incorrect")
    phone.get_by_label("Mot de passe").fill(second)
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.locator("#solde")).to_be_visible()
