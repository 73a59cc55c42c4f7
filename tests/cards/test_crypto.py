"""Card numbers, their encryption at rest, their fingerprint and the derived CVV."""

from __future__ import annotations

from datetime import date

import pytest

from hostolink.cards import crypto
from hostolink.cards.crypto import CardKeys, UndecryptableCard
from tests.cards.helpers import TEST_BIN
from tests.conftest import make_settings

KEYS = CardKeys.from_secret("unit-test-secret-" + "k" * 32)
OTHER_KEYS = CardKeys.from_secret("another-secret-" + "z" * 32)
PAN = "4111111112345674"


class TestPanGeneration:
    @pytest.mark.parametrize("bin_prefix", [TEST_BIN, "999123", "5399991"])
    def test_every_number_has_the_bin_sixteen_digits_and_passes_luhn(self, bin_prefix: str) -> None:
        numbers = [crypto.new_pan(bin_prefix) for _ in range(2000)]
        for number in numbers:
            assert len(number) == crypto.PAN_LENGTH
            assert number.isdigit()
            assert number.startswith(bin_prefix)
            assert crypto.is_luhn_valid(number), number
        assert len(set(numbers)) > 1990  # random, not a counter nor a constant

    def test_luhn_rejects_a_single_wrong_digit(self) -> None:
        number = crypto.new_pan(TEST_BIN)
        last = int(number[-1])
        assert not crypto.is_luhn_valid(number[:-1] + str((last + 1) % 10))
        assert crypto.is_luhn_valid("4242424242424242")  # the well-known test card

    @pytest.mark.parametrize("bin_prefix", ["", "12345", "123456789", "41x11111"])
    def test_a_malformed_bin_is_refused(self, bin_prefix: str) -> None:
        with pytest.raises(ValueError, match="BIN"):
            crypto.new_pan(bin_prefix)


class TestExpiry:
    def test_five_years_after_issuance_same_month(self) -> None:
        assert crypto.expiry_of(date(2026, 2, 28)) == (2, 2031)
        assert crypto.expiry_of(date(2026, 12, 1)) == (12, 2031)


class TestEncryption:
    def test_round_trip(self) -> None:
        sealed = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        assert crypto.decrypt_pan(sealed, keys=KEYS, compte_id=7) == PAN

    def test_layout_is_version_nonce_then_ciphertext_and_never_the_number(self) -> None:
        sealed = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        assert sealed[0] == crypto.KEY_VERSION
        assert len(sealed) == 1 + crypto.NONCE_BYTES + len(PAN) + 16  # 16: the GCM tag
        assert PAN.encode() not in sealed
        assert PAN.encode().hex().encode() not in sealed.hex().encode()

    def test_each_encryption_uses_a_fresh_nonce(self) -> None:
        first = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        second = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        assert first != second
        assert first[1:13] != second[1:13]

    @pytest.mark.parametrize("position", [13, 20, -1])  # ciphertext, later, GCM tag
    def test_a_tampered_ciphertext_does_not_decrypt(self, position: int) -> None:
        sealed = bytearray(crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7))
        sealed[position] ^= 0x01
        with pytest.raises(UndecryptableCard):
            crypto.decrypt_pan(bytes(sealed), keys=KEYS, compte_id=7)

    def test_a_tampered_nonce_or_version_does_not_decrypt(self) -> None:
        sealed = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        for position in (0, 1):
            altered = bytearray(sealed)
            altered[position] ^= 0x01
            with pytest.raises(UndecryptableCard):
                crypto.decrypt_pan(bytes(altered), keys=KEYS, compte_id=7)
        with pytest.raises(UndecryptableCard):
            crypto.decrypt_pan(sealed[:5], keys=KEYS, compte_id=7)

    def test_a_ciphertext_moved_to_another_account_does_not_decrypt(self) -> None:
        sealed = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        with pytest.raises(UndecryptableCard):
            crypto.decrypt_pan(sealed, keys=KEYS, compte_id=8)

    def test_another_key_does_not_decrypt(self) -> None:
        sealed = crypto.encrypt_pan(PAN, keys=KEYS, compte_id=7)
        with pytest.raises(UndecryptableCard):
            crypto.decrypt_pan(sealed, keys=OTHER_KEYS, compte_id=7)


class TestKeys:
    def test_each_purpose_has_its_own_key(self) -> None:
        assert len({KEYS.encryption, KEYS.fingerprint, KEYS.cvv}) == 3
        assert len(KEYS.encryption) == 32  # AES-256

    def test_the_configured_key_wins_over_the_signing_key(self) -> None:
        fallback = crypto.card_keys(make_settings(), signing_key="signing-" + "s" * 40)
        configured = crypto.card_keys(
            make_settings(CARD_ENCRYPTION_KEY="Y2FyZC1rZXktb2YtdGhpcnR5LXR3by1ieXRlcy0hIQ=="),
            signing_key="signing-" + "s" * 40,
        )
        assert configured != fallback
        assert fallback == CardKeys.from_secret("signing-" + "s" * 40)

    def test_keys_never_show_in_a_repr(self) -> None:
        assert KEYS.encryption.hex() not in repr(KEYS)
        assert "encryption" not in repr(KEYS)


class TestFingerprint:
    def test_is_a_keyed_hex_digest(self) -> None:
        value = crypto.fingerprint(PAN, keys=KEYS)
        assert len(value) == 64
        assert int(value, 16) >= 0
        assert value == crypto.fingerprint(PAN, keys=KEYS)
        assert value != crypto.fingerprint(PAN, keys=OTHER_KEYS)
        assert value != crypto.fingerprint("4111111112345682", keys=KEYS)


class TestCvv:
    def test_three_digits_the_same_each_time(self) -> None:
        code = crypto.cvv(PAN, month=11, year=2031, keys=KEYS)
        assert len(code) == 3
        assert code.isdigit()
        assert code == crypto.cvv(PAN, month=11, year=2031, keys=KEYS)

    def test_depends_on_number_expiry_and_key(self) -> None:
        codes = {
            crypto.cvv(crypto.new_pan(TEST_BIN), month=month, year=2031, keys=KEYS)
            for month in range(1, 13)
            for _ in range(50)
        }
        assert len(codes) > 300  # spread over the 1,000 values, not a constant
        samples = [
            (
                crypto.cvv(pan, month=11, year=2031, keys=KEYS),
                crypto.cvv(pan, month=12, year=2031, keys=KEYS),
                crypto.cvv(pan, month=11, year=2031, keys=OTHER_KEYS),
            )
            for pan in (crypto.new_pan(TEST_BIN) for _ in range(20))
        ]
        assert any(first != by_expiry for first, by_expiry, _ in samples)
        assert any(first != by_key for first, _, by_key in samples)


class TestDisplay:
    def test_masked_shows_only_the_last_four(self) -> None:
        assert crypto.masked("5674") == "•••• •••• •••• 5674"

    def test_grouped_by_four(self) -> None:
        assert crypto.grouped(PAN) == "4111 1111 1234 5674"
