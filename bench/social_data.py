"""The social benchmark's data: a million posts written with SQL (`INSERT … SELECT
generate_series`) over the seeded users, likes by those users on the newest posts, then
`VACUUM (ANALYZE)`.

Every value comes from the row number or from PostgreSQL's `random()` after `setseed()`, so
every run writes the same posts in the same order (the dates move with the day of the run).
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg

SEED = 0.7  # setseed(): the same counters and like rows on every run
YEAR_S = 365 * 24 * 3600
LIKED_RECENT = 20_000  # the newest posts the seeded users like
LIKE_SHARE = 0.05  # each seeded user likes 5 % of them

TITLES = (
    "Journée de dépistage",
    "Campagne de vaccination",
    "Conseil santé du jour",
    "Don de sang",
    "Paludisme : les bons gestes",
    "Nouvelle pharmacie de garde",
    "Témoignage",
    "Question aux experts",
    "Semaine de l'allaitement",
    "Rappel vaccinal",
    "Hypertension : parlons-en",
    "Merci au personnel soignant",
)

OPENERS = (
    "Bonjour à tous,",
    "Chers membres,",
    "Information importante :",
    "Bonne nouvelle pour Yopougon !",
    "À Cocody ce week-end,",
    "Rappel pour les parents :",
    "Petit retour d'expérience :",
    "Qui peut m'aider ?",
    "Au CHU de Treichville,",
    "Pour les habitants d'Abobo,",
    "Message de l'équipe du CSU de Koumassi :",
    "Bonsoir la communauté,",
)

BODIES = (
    "le dépistage gratuit du diabète et de l'hypertension a lieu samedi de 8 h à 14 h.",
    "dormez sous une moustiquaire imprégnée, même pendant la saison sèche.",
    "la campagne de vaccination contre la rougeole continue dans toutes les écoles.",
    "nous cherchons des donneurs de sang O négatif pour une patiente à l'hôpital.",
    "buvez au moins un litre et demi d'eau par jour quand il fait chaud.",
    "la pharmacie de garde cette semaine à Angré est la Pharmacie Sainte Marie.",
    "mon fils a eu de la fièvre trois jours, le test de paludisme était positif.",
    "quelqu'un connaît-il un bon pédiatre à Marcory qui reçoit le samedi ?",
    "lavez-vous les mains au savon avant chaque repas et après les toilettes.",
    "les consultations prénatales sont gratuites au centre de santé de Niangon.",
    "pensez à contrôler votre tension au moins une fois par an après quarante ans.",
    "la clinique ouvre un service d'urgences pédiatriques vingt-quatre heures sur vingt-quatre.",
    "une séance d'information sur la drépanocytose est prévue jeudi à la mairie.",
    "merci aux infirmières de la maternité pour leur patience et leur gentillesse.",
    "évitez l'automédication : demandez toujours conseil à votre pharmacien.",
    "le laboratoire propose des bilans sanguins complets à prix réduit ce mois-ci.",
)

CLOSERS = (
    "Partagez autour de vous.",
    "Merci pour vos conseils !",
    "Prenez soin de vous.",
    "Plus d'informations au centre de santé le plus proche.",
    "N'hésitez pas à poser vos questions en commentaire.",
    "Que Dieu vous bénisse.",
)

# $1 authors, $2 how many posts, $3 titles, $4 openers, $5 bodies, $6 closers.
# Post g is about (n - g) / n of a year old, give or take 20 s: ids grow with the dates.
INSERT_POSTS = """
INSERT INTO publication (id_user, titre_publication, contenu, statut, compteur_like,
                         nombre_commentaires, nombre_partages, date_publication)
SELECT w.authors[1 + (g * 7919 % cardinality(w.authors))::int],
       CASE WHEN g % 10 < 3 THEN w.titles[1 + (g * 31 % cardinality(w.titles))::int] END,
       w.openers[1 + (g * 13 % cardinality(w.openers))::int] || ' '
         || w.bodies[1 + (g * 17 % cardinality(w.bodies))::int]
         || CASE WHEN g % 3 = 0
                 THEN ' ' || w.bodies[1 + (g * 29 % cardinality(w.bodies))::int] ELSE '' END
         || CASE WHEN g % 4 = 1
                 THEN ' ' || w.closers[1 + (g * 7 % cardinality(w.closers))::int] ELSE '' END,
       CASE WHEN g % 200 = 0 THEN 'masque' WHEN g % 50 = 7 THEN 'supprime' ELSE 'publie' END,
       floor(power(random(), 3) * 120)::bigint,
       floor(power(random(), 3) * 40)::bigint,
       floor(power(random(), 4) * 15)::bigint,
       now() - make_interval(secs => ($2 - g) * $7::float8 / $2 + random() * 20)
  FROM (SELECT $1::int[] AS authors, $3::text[] AS titles, $4::text[] AS openers,
               $5::text[] AS bodies, $6::text[] AS closers) AS w,
       generate_series(1, $2::bigint) AS g
 ORDER BY g
"""

# $1 seeded users, $2 newest posts liked, $3 each user's share of them.
INSERT_LIKES = """
INSERT INTO liker (id_user, id_publication, date_like)
SELECT u, p.id_publication, least(now(), p.date_publication + random() * interval '2 days')
  FROM (SELECT id_publication, date_publication FROM publication
         WHERE statut = 'publie' ORDER BY date_publication DESC, id_publication DESC
         LIMIT $2) AS p
 CROSS JOIN unnest($1::int[]) AS u
 WHERE random() < $3
"""

# The counters stay at least the rows: the bench users' likes come on top of the others.
COUNT_LIKES = """
UPDATE publication AS p SET compteur_like = p.compteur_like + l.n
  FROM (SELECT id_publication, count(*) AS n FROM liker GROUP BY id_publication) AS l
 WHERE l.id_publication = p.id_publication
"""


async def seed_posts(url: str, authors: list[int], count: int) -> dict[str, Any]:
    """Write `count` posts by `authors` and the likes; VACUUM (ANALYZE); the figures."""
    if not authors:
        raise ValueError("no author to write posts for")
    connection = await asyncpg.connect(url, timeout=15)
    try:
        began = time.perf_counter()
        await connection.execute(f"SELECT setseed({SEED})")
        status = await connection.execute(
            INSERT_POSTS,
            authors,
            count,
            list(TITLES),
            list(OPENERS),
            list(BODIES),
            list(CLOSERS),
            float(YEAR_S),
            timeout=1800,
        )
        posts_s = time.perf_counter() - began
        likes = await connection.execute(
            INSERT_LIKES, authors, LIKED_RECENT, LIKE_SHARE, timeout=600
        )
        await connection.execute(COUNT_LIKES, timeout=600)
        likes_s = time.perf_counter() - began - posts_s
        await connection.execute("VACUUM (ANALYZE) publication", timeout=1800)
        await connection.execute("VACUUM (ANALYZE) liker", timeout=600)
        total_s = time.perf_counter() - began
        stats = await connection.fetchrow(
            """SELECT count(*) AS posts,
                      count(*) FILTER (WHERE statut = 'publie') AS published,
                      min(date_publication) AS oldest, max(date_publication) AS newest,
                      round(avg(length(contenu))) AS mean_length,
                      pg_size_pretty(pg_total_relation_size('publication')) AS size
                 FROM publication"""
        )
    finally:
        await connection.close()
    assert stats is not None
    return {
        "posts": int(stats["posts"]),
        "published": int(stats["published"]),
        "authors": len(authors),
        "likes_rows": int(likes.split()[-1]),
        "inserted": int(status.split()[-1]),
        "oldest": stats["oldest"].isoformat(timespec="seconds"),
        "newest": stats["newest"].isoformat(timespec="seconds"),
        "mean_contenu_chars": int(stats["mean_length"]),
        "table_size_with_indexes": stats["size"],
        "posts_s": round(posts_s, 1),
        "likes_s": round(likes_s, 1),
        "with_vacuum_s": round(total_s, 1),
    }


async def author_ids(url: str, identifiers: list[str]) -> list[int]:
    """The seeded users' ids, from their phone numbers."""
    connection = await asyncpg.connect(url, timeout=15)
    try:
        rows = await connection.fetch(
            "SELECT id_user FROM utilisateur WHERE telephone = ANY($1::text[]) ORDER BY id_user",
            identifiers,
        )
    finally:
        await connection.close()
    return [int(row["id_user"]) for row in rows]
