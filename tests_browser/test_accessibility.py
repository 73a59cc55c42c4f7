"""Every screen of the app, checked in the browser for what assistive technologies need
(a name for each control, an alt for each image, unique ids, readable contrast) and for
the weight of the JavaScript it loads (the app's own code, vendor libraries apart)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, expect

from conftest import Person

Open = Callable[[Page, Person, str], None]

SCREENS = [
    "#/",
    "#/payer",
    "#/recevoir",
    "#/depot",
    "#/retrait",
    "#/transactions",
    "#/operations",
    "#/sante",
    "#/urgences",
    "#/social",
    "#/thematiques",
    "#/notifications",
    "#/profil",
    "#/profil/identifiant",
    "#/aide",
    "#/aide/nouvelle",
]
# The app's own scripts, not minified, every view included (jsQR and Leaflet load on demand
# and are counted apart): a phone on a slow network downloads them once.
APP_JS_BUDGET_BYTES = 200_000

# Runs in the page: the problems found on the screen as it is shown.
AUDIT = """() => {
  const problems = [];
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
      && style.display !== 'none';
  };
  const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
    + `${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''}`;
  const named = (el) => Boolean(
    (el.labels && el.labels.length)
    || el.getAttribute('aria-label')
    || el.getAttribute('aria-labelledby')
    || el.getAttribute('title'));

  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el) && el.type !== 'file') continue;
    if (!named(el)) problems.push(`no label: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll('button, a[href], [role=button]')) {
    if (!visible(el)) continue;
    const text = (el.innerText || '').trim() || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby') || el.querySelector('img[alt]:not([alt=""])');
    if (!text) problems.push(`no accessible name: ${describe(el)}`);
  }
  for (const el of document.querySelectorAll('img')) {
    if (!el.hasAttribute('alt')) problems.push(`image without alt: ${el.src}`);
  }
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  for (const [id, count] of ids) if (count > 1) problems.push(`duplicate id: ${id}`);

  // Contrast of text on a plain background (WCAG AA: 4.5:1, 3:1 for large text).
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== 'none') return null; // gradient or picture: not judged
      const color = rgb(style.backgroundColor);
      if (color.length === 3 || color[3] === 1) return color.slice(0, 3);
      if (color[3] > 0) return null; // translucent: not judged
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const el = text.parentElement;
    if (!el || seen.has(el) || !text.data.trim() || !visible(el)) continue;
    if (el.closest('.leaflet-container, [aria-hidden="true"], [disabled], option')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const back = background(el);
    const fore = rgb(style.color);
    if (!back || (fore.length === 4 && fore[3] < 1)) continue;
    const [light, dark] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const sample = text.data.trim().slice(0, 30);
      problems.push(`contrast ${ratio.toFixed(2)}: ${describe(el)} "${sample}"`);
    }
  }
  return problems;
}"""


@pytest.fixture
def scripts(phone: Page) -> dict[str, int]:
    """Bytes of every script the page loaded, by path."""
    loaded: dict[str, int] = {}

    def record(response: Response) -> None:
        path = response.url.split("://", 1)[-1].split("/", 1)[-1]
        if path.endswith(".js") and response.ok:
            # A body gone with its page (a navigation) is not counted.
            with contextlib.suppress(PlaywrightError):
                loaded["/" + path] = len(response.body())

    phone.on("response", record)
    return loaded


def show(page: Page, screen: str) -> None:
    """Goes to a screen and waits until that screen, not the one before it, has rendered.

    A hash change swaps the view a moment after goto() returns: the previous screen, still
    displayed, must not be the one audited. The router marks the view with its route and
    keeps aria-busy on it until the screen's render has finished.
    """
    page.goto(f"/{screen}")
    route = screen.removeprefix("#")
    expect(page.locator(f'#view > .view[data-route="{route}"]:not([aria-busy])')).to_be_attached()
    expect(page.locator("#view .loading")).to_have_count(0)


class TestEveryScreen:
    def test_controls_are_named_and_text_is_readable(
        self,
        *,
        phone: Page,
        make_person: Callable[..., Person],
        fund: Callable[[Person, int], None],
        open_as: Open,
        scripts: dict[str, int],
    ) -> None:
        person = make_person()
        fund(person, 5_000)
        show(phone, "#/connexion")
        found: dict[str, Any] = {"#/connexion": phone.evaluate(AUDIT)}
        open_as(phone, person, SCREENS[0])
        for screen in SCREENS:
            show(phone, screen)
            found[screen] = phone.evaluate(AUDIT)
        assert {screen: problems for screen, problems in found.items() if problems} == {}

        own = {path: size for path, size in scripts.items() if "/vendor/" not in path}
        assert "/app/js/core.js" in own
        assert sum(own.values()) < APP_JS_BUDGET_BYTES, own


class TestKeyboard:
    def test_the_tab_bar_is_reachable_and_shows_the_focus(
        self, *, phone: Page, make_person: Callable[..., Person], open_as: Open
    ) -> None:
        person = make_person()
        open_as(phone, person, "#/")
        show(phone, "#/")
        tab = phone.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Santé"
        )
        for _ in range(60):
            phone.keyboard.press("Tab")
            if tab.evaluate("el => el === document.activeElement"):
                break
        expect(tab).to_be_focused()
        outline = tab.evaluate("el => getComputedStyle(el).outlineStyle")
        assert outline not in {"none", ""}
        phone.keyboard.press("Enter")
        expect(phone).to_have_url(f"{phone.url.split('#')[0]}#/sante")
