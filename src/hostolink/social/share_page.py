"""The page a share link opens (`/p/{jeton}`): the post in plain French HTML, readable
without login and without JavaScript, with the social-network preview tags (Open Graph).
Everything from the post is escaped; the images are ours (local or Cloudinary URLs)."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from hostolink.kit.security_headers import content_security_policy, source_hash
from hostolink.social.schemas import PostOut

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}"
    "main{max-width:36rem;margin:0 auto;padding:1rem}article{background:#fff;"
    "border-radius:12px;padding:1rem;box-shadow:0 1px 3px #0002}h1{font-size:1.1rem;margin:0}"
    "p{white-space:pre-wrap;line-height:1.5}img{max-width:100%;height:auto;border-radius:8px}"
    "footer{color:#4a5561;font-size:.9rem;margin-top:1rem}"
)
# No script; the style block above by its digest; the post's images from our media or from
# Cloudinary (production storage).
CONTENT_SECURITY_POLICY = content_security_policy(
    style_src=f"'self' {source_hash(_STYLE)}", img_src="'self' https://res.cloudinary.com"
)


def page(post: PostOut, visits: int) -> HTMLResponse:
    author = escape(post.auteur.nom_affiche)
    text = escape(post.contenu)
    title = escape(post.titre_publication or f"Publication de {post.auteur.nom_affiche}")
    images = "".join(
        f'<img src="{escape(m.url)}" width="{m.largeur}" height="{m.hauteur}" alt="">'
        for m in post.medias
        if m.url
    )
    preview = escape(post.contenu[:200])
    first = next((m.url for m in post.medias if m.url), None)
    og_image = f'<meta property="og:image" content="{escape(first)}">' if first else ""
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} — Hostolink</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{preview}">{og_image}'
        f"<style>{_STYLE}</style></head><body><main><article>"
        f"<h1>{author}</h1><p>{text}</p>{images}"
        f"<footer>{post.compteur_like} j'aime · {post.nombre_commentaires} commentaires · "
        f"{visits} visites — publié sur Hostolink le "
        f"{post.date_publication:%d/%m/%Y}</footer></article></main></body></html>"
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
