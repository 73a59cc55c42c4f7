"""What the person is told once their identifier has changed: a message to the identifier
that was replaced (SMS to the old phone, e-mail to the old address) and an in-app
notification. The new value is always masked (kit/masking.py): whoever reads the old
phone or mailbox learns that a change happened and when, not the new identifier.

Times are written in Abidjan time, which is UTC all year (no daylight saving). SMS stay
within one GSM-7 segment (messaging/templates.py): the mask's `•` is not GSM-7, so the SMS
shows `*` instead.
"""

from __future__ import annotations

from datetime import datetime

from hostolink.kit.masking import MASK, mask_email, mask_phone
from hostolink.messaging.senders import OutgoingMessage
from hostolink.messaging.templates import SMS_MAX_LENGTH

SUBJECT = "Votre identifiant Hostolink a été modifié"
NOTIFICATION_TITLE = "Identifiant modifié"


def masked(kind: str, value: str) -> str:
    shown = mask_email(value) if kind == "email" else mask_phone(value)
    return shown or "un nouvel identifiant"


def _when(at: datetime) -> str:
    return at.strftime("le %d/%m/%Y à %H:%M")


def _what(kind: str, replaced: bool) -> str:
    if kind == "email":
        return (
            "L'adresse e-mail de votre compte Hostolink a été remplacée par"
            if replaced
            else "Une adresse e-mail a été ajoutée à votre compte Hostolink :"
        )
    return (
        "Le numéro de votre compte Hostolink a été remplacé par"
        if replaced
        else "Un numéro de téléphone a été ajouté à votre compte Hostolink :"
    )


def sentence(kind: str, new_value: str, at: datetime, *, replaced: bool) -> str:
    """« Le numéro de votre compte Hostolink a été remplacé par +225 07 •• •• •• 04 le
    05/12/2026 à 09:32. Si ce n'est pas vous, contactez le support. »"""
    return (
        f"{_what(kind, replaced)} {masked(kind, new_value)} {_when(at)}. "
        "Si ce n'est pas vous, contactez le support."
    )


def notice(
    *, to: str, channel: str, kind: str, new_value: str, at: datetime, replaced: bool
) -> OutgoingMessage:
    """The message to `to` (the replaced identifier, or the other one when the person only
    added an identifier) by `channel`."""
    text = sentence(kind, new_value, at, replaced=replaced)
    if channel == "sms":
        text = "Hostolink : " + text.replace(MASK, "*").replace(" Hostolink", "", 1)
        if len(text) > SMS_MAX_LENGTH:  # a very long e-mail domain: say it without it
            text = (
                f"Hostolink : l'identifiant de votre compte a été modifié {_when(at)}. "
                "Si ce n'est pas vous, contactez le support."
            )
        return OutgoingMessage(channel="sms", to=to, subject=None, text=text)
    body = f"Bonjour,\n\n{text}\n\nL'équipe Hostolink\n"
    return OutgoingMessage(channel="email", to=to, subject=SUBJECT, text=body)
