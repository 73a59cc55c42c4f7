"""Choosing the senders from the settings, and refusing half-configured ones at startup."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from hostolink.messaging.senders import (
    OutboxSender,
    Senders,
    SmtpEmailSender,
    TwilioSmsSender,
    build_senders,
)

if TYPE_CHECKING:
    from .conftest import SettingsFactory

TWILIO = {
    "HOSTOLINK_SMS_SENDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM": "+15005550006",
}
SMTP = {"HOSTOLINK_EMAIL_SENDER": "smtp", "SMTP_HOST": "smtp.example.ci"}


class TestChoice:
    def test_outbox_for_both_channels_by_default(self, make_settings: SettingsFactory) -> None:
        senders = build_senders(make_settings())
        assert isinstance(senders.for_channel("sms"), OutboxSender)
        assert isinstance(senders.for_channel("email"), OutboxSender)

    def test_twilio_for_sms_keeps_the_outbox_for_email(
        self, make_settings: SettingsFactory
    ) -> None:
        senders = build_senders(make_settings(**TWILIO))
        assert isinstance(senders.for_channel("sms"), TwilioSmsSender)
        assert isinstance(senders.for_channel("email"), OutboxSender)

    def test_smtp_for_email_keeps_the_outbox_for_sms(self, make_settings: SettingsFactory) -> None:
        senders = build_senders(make_settings(**SMTP))
        assert isinstance(senders.for_channel("sms"), OutboxSender)
        assert isinstance(senders.for_channel("email"), SmtpEmailSender)

    def test_both_real_senders(self, make_settings: SettingsFactory) -> None:
        senders = build_senders(make_settings(**TWILIO, **SMTP))
        assert isinstance(senders, Senders)
        assert isinstance(senders.for_channel("sms"), TwilioSmsSender)
        assert isinstance(senders.for_channel("email"), SmtpEmailSender)

    def test_an_unknown_channel_is_a_programming_error(
        self, make_settings: SettingsFactory
    ) -> None:
        with pytest.raises(ValueError, match="unknown channel"):
            build_senders(make_settings()).for_channel("fax")  # type: ignore[arg-type]


class TestMissingSettings:
    @pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"])
    def test_twilio_names_what_is_missing(
        self, make_settings: SettingsFactory, missing: str
    ) -> None:
        settings = make_settings(**{**TWILIO, missing: None})
        with pytest.raises(ValueError, match=f"HOSTOLINK_SMS_SENDER=twilio requires {missing}"):
            build_senders(settings)

    def test_twilio_lists_every_missing_setting(self, make_settings: SettingsFactory) -> None:
        with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM"):
            build_senders(make_settings(HOSTOLINK_SMS_SENDER="twilio"))

    def test_blank_values_count_as_missing(self, make_settings: SettingsFactory) -> None:
        with pytest.raises(ValueError, match="TWILIO_FROM"):
            build_senders(make_settings(**{**TWILIO, "TWILIO_FROM": "  "}))

    def test_smtp_needs_a_host(self, make_settings: SettingsFactory) -> None:
        with pytest.raises(ValueError, match="HOSTOLINK_EMAIL_SENDER=smtp requires SMTP_HOST"):
            build_senders(make_settings(HOSTOLINK_EMAIL_SENDER="smtp"))

    def test_smtp_username_needs_a_password(self, make_settings: SettingsFactory) -> None:
        with pytest.raises(ValueError, match="SMTP_PASSWORD"):
            build_senders(make_settings(**SMTP, SMTP_USERNAME="mailer"))

    def test_smtp_from_must_hold_an_address(self, make_settings: SettingsFactory) -> None:
        with pytest.raises(ValueError, match="SMTP_FROM"):
            build_senders(make_settings(**SMTP, SMTP_FROM="Hostolink"))

    def test_the_message_never_holds_a_secret(self, make_settings: SettingsFactory) -> None:
        settings = make_settings(**{**TWILIO, "TWILIO_FROM": None, "TWILIO_AUTH_TOKEN": "s3cr3t"})
        with pytest.raises(ValueError, match="TWILIO_FROM") as raised:
            build_senders(settings)
        assert "s3cr3t" not in str(raised.value)
