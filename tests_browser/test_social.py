"""The social feed in a real browser: post with an image, like, comment, share, report, and
the notifications (bell badge, list, mark all read) that follow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from people import Person, make_person, png, sign_in
from playwright.sync_api import Page, expect

Shoot = Callable[[Page, str], Path]


@pytest.fixture
def author(live_server: str, outbox: Callable[[str], str]) -> Person:
    return make_person(live_server, outbox, prenom="Awa", nom="Koné")


@pytest.fixture
def reader(live_server: str, outbox: Callable[[str], str]) -> Person:
    return make_person(live_server, outbox, prenom="Yao", nom="Kouassi")


def publish(page: Page, text: str, image: Path | None = None) -> None:
    page.get_by_label("Quoi de neuf ?").fill(text)
    if image is not None:
        page.get_by_label("Ajouter une image (facultatif)").set_input_files(str(image))
        expect(page.get_by_alt_text("Aperçu de l'image choisie")).to_be_visible()
    page.get_by_role("button", name="Publier").click()


class TestPosting:
    def test_post_with_image_like_comment_share(
        self, phone: Page, author: Person, live_server: str, shoot: Shoot, tmp_path: Path
    ) -> None:
        sign_in(phone, author, "#/social")
        publish(
            phone,
            "Campagne de vaccination samedi au CSU de Treichville.",
            png(tmp_path / "affiche.png"),
        )
        post = phone.locator("article.post").first
        expect(post).to_contain_text("Campagne de vaccination samedi")
        image = post.get_by_alt_text("Image publiée par Awa Koné")
        expect(image).to_be_visible()
        # Served by this origin (/media/…) and really decoded.
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth > 0)")
        assert image.get_attribute("src").startswith("/media/")

        like = post.get_by_role("button", name="J'aime")
        like.click()
        expect(like).to_have_attribute("aria-pressed", "true")
        expect(post.locator(".post-stats")).to_contain_text("1 j'aime")

        post.get_by_role("button", name="Commenter").click()
        post.get_by_label("Votre commentaire").fill("J'y serai avec mes enfants.")
        post.get_by_role("button", name="Envoyer").click()
        expect(post.locator(".comment")).to_contain_text("J'y serai avec mes enfants.")
        expect(post.locator(".post-stats")).to_contain_text("1 commentaire")

        post.get_by_role("button", name="Partager").click()
        link = post.get_by_label("Lien public de la publication")
        expect(link).to_be_visible()
        url = link.input_value()
        assert "/p/" in url
        shoot(phone, "social-fil")
        page = httpx.get(url)
        assert page.status_code == 200
        assert "Campagne de vaccination" in page.text

        like.click()
        expect(like).to_have_attribute("aria-pressed", "false")
        expect(post.locator(".post-stats")).to_contain_text("0 j'aime · 1 commentaire · 1 partage")

    def test_feed_shows_others_posts_and_report(
        self, new_phone: Callable[[], Page], author: Person, reader: Person, shoot: Shoot
    ) -> None:
        mine = new_phone()
        sign_in(mine, author, "#/social")
        publish(mine, "Quels sont les horaires du CHU de Cocody ?")
        expect(mine.locator("article.post").first).to_contain_text("horaires du CHU")

        theirs = new_phone()
        sign_in(theirs, reader, "#/social")
        post = theirs.locator("article.post", has_text="horaires du CHU")
        expect(post).to_contain_text("Awa Koné")
        post.get_by_role("button", name="Signaler").click()
        dialog = theirs.get_by_role("dialog")
        dialog.get_by_label("Motif").select_option("spam")
        dialog.get_by_label("Précisions (facultatif)").fill("Publicité déguisée.")
        shoot(theirs, "social-signaler")
        dialog.get_by_role("button", name="Signaler").click()
        expect(theirs.locator(".toast")).to_contain_text("Signalement enregistré")
        # My own posts have no report button.
        expect(
            mine.locator("article.post").first.get_by_role("button", name="Signaler")
        ).to_have_count(0)


class TestNotifications:
    def test_badge_after_a_comment_on_my_post(
        self,
        new_phone: Callable[[], Page],
        author: Person,
        reader: Person,
        live_server: str,
        shoot: Shoot,
    ) -> None:
        mine = new_phone()
        sign_in(mine, author, "#/social")
        publish(mine, "Merci à l'équipe de la maternité !")
        expect(mine.locator("article.post").first).to_contain_text("maternité")
        expect(mine.locator("#bell-count")).to_be_hidden()

        theirs = new_phone()
        sign_in(theirs, reader, "#/social")
        post = theirs.locator("article.post", has_text="maternité")
        post.get_by_role("button", name="Commenter").click()
        post.get_by_label("Votre commentaire").fill("Félicitations !")
        post.get_by_role("button", name="Envoyer").click()
        expect(post.locator(".comment")).to_contain_text("Félicitations !")

        mine.goto("/#/social")
        mine.reload()
        expect(mine.locator("#bell-count")).to_have_text("1")
        mine.locator("#bell").click()
        item = mine.locator(".notification.unread").first
        expect(item).to_contain_text("Yao Kouassi a commenté votre publication.")
        shoot(mine, "notifications")

        mine.get_by_role("button", name="Tout marquer comme lu").click()
        expect(mine.locator(".notification.unread")).to_have_count(0)
        expect(mine.locator("#bell-count")).to_be_hidden()

        # Opening a notification leads to the post, comments open.
        mine.locator(".notification").first.click()
        expect(mine.locator("article.post")).to_contain_text("Merci à l'équipe de la maternité")
        expect(mine.locator(".comment")).to_contain_text("Félicitations !")
        shoot(mine, "social-publication")
