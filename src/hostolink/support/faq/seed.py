"""The FAQ's first questions, written by `hostolink seed` into an empty FAQ only: once the
back-office has questions (edited, withdrawn or new), the seed never touches them again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.support.faq import service
from hostolink.support.faq.schemas import FaqBody

PORTEFEUILLE = "Portefeuille"
DEPOTS = "Dépôts et retraits"
SECURITE = "Sécurité"
COMPTE = "Mon compte"
AIDE = "Aide et réclamations"

QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        PORTEFEUILLE,
        "Qu'est-ce que le portefeuille Hostolink ?",
        "C'est un compte en francs CFA ouvert à votre inscription. Vous pouvez l'alimenter "
        "depuis Orange Money, MTN MoMo, Moov Money ou Wave, envoyer de l'argent à un proche, "
        "payer un établissement de santé par QR code et retirer vers votre mobile money. "
        "Votre solde et l'historique de vos opérations sont dans l'onglet Portefeuille.",
    ),
    (
        DEPOTS,
        "Comment déposer de l'argent depuis Orange Money, MTN, Moov ou Wave ?",
        "Dans Portefeuille, touchez « Déposer », choisissez votre opérateur, saisissez le "
        "montant et votre numéro, puis validez le paiement sur votre téléphone (code ou "
        "confirmation de l'opérateur). Votre portefeuille est crédité dès que l'opérateur "
        "confirme, en général en moins d'une minute.",
    ),
    (
        DEPOTS,
        "Combien de temps prend un retrait vers mon mobile money ?",
        "La plupart des retraits arrivent en moins d'une minute. Le montant et les frais sont "
        "réservés sur votre portefeuille pendant que l'opérateur traite la demande. Si le "
        "retrait échoue, ils vous sont rendus automatiquement. S'il est indiqué « réussi » "
        "sans que vous ayez rien reçu, ouvrez une conversation avec le support depuis "
        "l'opération.",
    ),
    (
        DEPOTS,
        "Mon retrait est débité mais je n'ai rien reçu : que faire ?",
        "Attendez quelques minutes : l'opérateur confirme parfois avec retard, et un retrait "
        "en cours ne peut pas encore être annulé. Ensuite, ouvrez une conversation d'aide "
        "depuis l'opération et déposez une réclamation : un agent vérifie auprès de "
        "l'opérateur et, si l'argent n'est pas arrivé, vous le rend sur votre portefeuille.",
    ),
    (
        SECURITE,
        "À quoi sert mon code PIN et que faire si je l'oublie ?",
        "Le code PIN confirme chaque envoi, paiement et retrait : ne le donnez à personne, "
        "pas même à un agent Hostolink, qui ne vous le demandera jamais. Après plusieurs "
        "erreurs, il est bloqué pendant un moment. Si vous l'avez oublié, utilisez « Mot de "
        "passe oublié » à la connexion : un code vous est envoyé par SMS ou par e-mail.",
    ),
    (
        COMPTE,
        "Que sont les niveaux de vérification (KYC) et leurs plafonds ?",
        "Sans vérification, votre solde est limité à 200 000 F et vos retraits à 50 000 F par "
        "jour. En déclarant votre identité (niveau 1) puis en envoyant une pièce d'identité "
        "vérifiée (niveau 2), vos plafonds augmentent : jusqu'à 2 000 000 F de solde au "
        "niveau 2. Les plafonds de votre compte sont affichés dans Portefeuille.",
    ),
    (
        AIDE,
        "Comment contester une opération (réclamation) ?",
        "Ouvrez l'écran Aide, démarrez une conversation en choisissant l'opération ou la "
        "transaction concernée, puis déposez une réclamation en expliquant le problème. Un "
        "agent l'examine ; s'il faut vous rendre de l'argent, une seconde personne approuve "
        "la décision au-delà d'un certain montant. Vous êtes prévenu dans la conversation et "
        "par une notification.",
    ),
    (
        AIDE,
        "Comment trouver un hôpital ou une pharmacie de garde ?",
        "L'onglet Santé recense les hôpitaux, cliniques, centres de santé et pharmacies de "
        "Côte d'Ivoire. Cherchez par nom, ville ou commune, ou affichez les établissements "
        "proches de vous, avec leurs horaires, leur téléphone et l'itinéraire.",
    ),
    (
        COMPTE,
        "Comment supprimer mon compte ?",
        "Dans Profil, touchez « Supprimer mon compte » et confirmez avec votre code PIN. La "
        "suppression est refusée tant qu'il reste de l'argent sur votre portefeuille ou une "
        "opération en cours : retirez d'abord votre solde. Vos données sont ensuite "
        "anonymisées ; les pièces d'identité sont conservées le temps exigé par la loi.",
    ),
)


async def seed_faq(session: AsyncSession) -> bool:
    """Write the first questions into an empty FAQ; False when it already had some."""
    if await service.count(session):
        return False
    for order, (category, question, answer) in enumerate(QUESTIONS, start=1):
        body = FaqBody(question=question, reponse=answer, categorie=category, ordre=order * 10)
        await service.create(session, author_id=None, body=body)
    return True
