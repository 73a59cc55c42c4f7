"""The French texts of the OTP messages."""

from __future__ import annotations

import pytest

from hostolink.messaging.templates import SMS_MAX_LENGTH, OtpPurpose, otp_message

# GSM 03.38 basic character set (without the escape table): an SMS made only of these
# characters fits 160 per segment; any other character switches it to UCS-2 (70).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
PURPOSES: list[OtpPurpose] = ["verification", "reinitialisation"]


class TestSms:
    @pytest.mark.parametrize("purpose", PURPOSES)
    @pytest.mark.parametrize("ttl", [1, 5, 60])
    def test_one_gsm7_segment_with_the_code(self, purpose: OtpPurpose, ttl: int) -> None:
        message = otp_message("sms", "+2250701020304", "048213", purpose, ttl)
        assert message.channel == "sms"
        assert message.to == "+2250701020304"
        assert message.subject is None
        assert message.html is None
        assert len(message.text) <= SMS_MAX_LENGTH
        assert set(message.text) <= GSM7, set(message.text) - GSM7
        assert "048213" in message.text
        assert f"{ttl} min" in message.text

    def test_reads_in_french(self) -> None:
        verification = otp_message("sms", "+2250701020304", "123456", "verification", 5)
        assert verification.text == (
            "Hostolink : votre code de vérification est 123456. "
            "Il expire dans 5 min. Ne le communiquez à personne."
        )
        reset = otp_message("sms", "+2250701020304", "123456", "reinitialisation", 5)
        assert "code de réinitialisation est 123456" in reset.text


class TestEmail:
    @pytest.mark.parametrize(
        ("purpose", "subject"),
        [
            ("verification", "Votre code de vérification Hostolink"),
            ("reinitialisation", "Votre code de réinitialisation Hostolink"),
        ],
    )
    def test_subject_text_and_html(self, purpose: OtpPurpose, subject: str) -> None:
        message = otp_message("email", "awa.kone@example.ci", "904417", purpose, 5)
        assert message.channel == "email"
        assert message.to == "awa.kone@example.ci"
        assert message.subject == subject
        assert "904417" in message.text
        assert "5 minutes" in message.text
        assert "Ne le communiquez à personne" in message.text
        assert message.html is not None
        assert message.html.startswith("<!DOCTYPE html>")
        assert '<html lang="fr">' in message.html
        assert ">904417</p>" in message.html
        assert "<style" not in message.html  # inline styles only

    def test_one_minute_is_singular(self) -> None:
        message = otp_message("email", "a@b.ci", "904417", "verification", 1)
        assert "expire dans 1 minute " in message.text


class TestCode:
    @pytest.mark.parametrize("code", ["", "12a456", "<b>1</b>", "１２３４５６"])
    def test_only_ascii_digits(self, code: str) -> None:
        with pytest.raises(ValueError, match="digits"):
            otp_message("sms", "+2250701020304", code, "verification", 5)
