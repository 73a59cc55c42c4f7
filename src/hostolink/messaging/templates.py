"""The texts of the messages we send, in French.

SMS stay within one GSM-7 segment (160 characters): a single character outside the GSM-7
alphabet (’ « » ê ç …) switches the whole SMS to UCS-2 and its limit to 70 characters, so
the SMS texts use only é, è and à among accented letters, and a plain apostrophe.
"""

from __future__ import annotations

from html import escape
from typing import Literal

from hostolink.messaging.senders import Channel, OutgoingMessage

OtpPurpose = Literal["verification", "reinitialisation", "nouvel_identifiant"]

SMS_MAX_LENGTH = 160

# Words of the SMS and the subject line (GSM-7 only), then of the e-mail body.
_PURPOSE_SHORT: dict[OtpPurpose, str] = {
    "verification": "de vérification",
    "reinitialisation": "de réinitialisation",
    "nouvel_identifiant": "de confirmation",
}
_PURPOSE_SENTENCE: dict[OtpPurpose, str] = {
    "verification": "Voici votre code de vérification pour activer votre compte Hostolink.",
    "reinitialisation": (
        "Voici votre code pour réinitialiser le mot de passe de votre compte Hostolink."
    ),
    "nouvel_identifiant": (
        "Voici votre code pour confirmer ce nouvel identifiant de votre compte Hostolink."
    ),
}


def _minutes(ttl_minutes: int) -> str:
    return "1 minute" if ttl_minutes == 1 else f"{ttl_minutes} minutes"


def otp_message(
    channel: Channel,
    to: str,
    code: str,
    purpose: OtpPurpose,
    ttl_minutes: int,
) -> OutgoingMessage:
    """The message carrying a one-time code to `to` by `channel`."""
    if not (code.isascii() and code.isdigit()):
        raise ValueError("an OTP code is made of digits only")
    if channel == "sms":
        return OutgoingMessage(
            channel="sms", to=to, subject=None, text=_otp_sms(code, purpose, ttl_minutes)
        )
    subject = f"Votre code {_PURPOSE_SHORT[purpose]} Hostolink"
    return OutgoingMessage(
        channel="email",
        to=to,
        subject=subject,
        text=_otp_email_text(code, purpose, ttl_minutes),
        html=_otp_email_html(subject, code, purpose, ttl_minutes),
    )


def _otp_sms(code: str, purpose: OtpPurpose, ttl_minutes: int) -> str:
    text = (
        f"Hostolink : votre code {_PURPOSE_SHORT[purpose]} est {code}. "
        f"Il expire dans {ttl_minutes} min. Ne le communiquez à personne."
    )
    if len(text) > SMS_MAX_LENGTH:  # only reachable with an absurd code or TTL
        raise ValueError("OTP SMS text exceeds one SMS segment")
    return text


def _closing(ttl_minutes: int) -> tuple[str, str, str]:
    return (
        f"Ce code expire dans {_minutes(ttl_minutes)} et ne peut servir qu'une seule fois. "
        "Ne le communiquez à personne : Hostolink ne vous le demandera jamais.",
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
        "L'équipe Hostolink",
    )


def _otp_email_text(code: str, purpose: OtpPurpose, ttl_minutes: int) -> str:
    validity, not_you, signature = _closing(ttl_minutes)
    paragraphs = [
        "Bonjour,",
        _PURPOSE_SENTENCE[purpose],
        f"    {code}",
        validity,
        not_you,
        signature,
    ]
    return "\n\n".join(paragraphs) + "\n"


# Inline styles only: most mail clients drop <style> blocks and external style sheets.
_BODY_STYLE = (
    "margin:0;padding:24px;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933;"
)
_CARD_STYLE = "max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px;"
_BRAND_STYLE = "margin:0 0 16px;font-size:18px;font-weight:bold;color:#0b7a75;"
_TEXT_STYLE = "margin:0 0 16px;font-size:15px;"
_CODE_STYLE = (
    "margin:0 0 16px;text-align:center;font-size:32px;font-weight:bold;"
    "letter-spacing:6px;font-family:'Courier New',monospace;"
)
_MUTED_STYLE = "margin:0 0 16px;font-size:13px;color:#616e7c;"


def _p(style: str, text: str) -> str:
    return f'    <p style="{style}">{escape(text, quote=False)}</p>'


def _otp_email_html(subject: str, code: str, purpose: OtpPurpose, ttl_minutes: int) -> str:
    validity, not_you, signature = _closing(ttl_minutes)
    paragraphs = [
        _p(_BRAND_STYLE, "Hostolink"),
        _p(_TEXT_STYLE, "Bonjour,"),
        _p(_TEXT_STYLE, _PURPOSE_SENTENCE[purpose]),
        _p(_CODE_STYLE, code),
        _p(_TEXT_STYLE, validity),
        _p(_MUTED_STYLE, not_you),
        _p(_MUTED_STYLE, signature),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n'
        f'<head><meta charset="utf-8"><title>{escape(subject)}</title></head>\n'
        f'<body style="{_BODY_STYLE}">\n'
        f'  <div style="{_CARD_STYLE}">\n'
        + "\n".join(paragraphs)
        + "\n  </div>\n</body>\n</html>\n"
    )
