"""The signed payload alone (no database): format, signature, key rotation, no personal
data, and a QR code that scans easily."""

from __future__ import annotations

import pytest
import segno

from hostolink.kit.keys import KeyRing, parse_keyring
from hostolink.qr import payload as payloads
from tests.qr.helpers import PAYLOAD

OLD = parse_keyring("A:ancien-secret-de-signature", fallback_secret="x", label="hostolink/qr")
ROTATED = parse_keyring(
    "B:nouveau-secret-de-signature,A:ancien-secret-de-signature",
    fallback_secret="x",
    label="hostolink/qr",
)
NEW_ONLY = parse_keyring("B:nouveau-secret-de-signature", fallback_secret="x", label="hostolink/qr")


def _replace(text: str, index: int) -> str:
    """`text` with the character at `index` changed to another of the base32 alphabet."""
    current = text[index]
    other = "B" if current != "B" else "C"
    return text[:index] + other + text[index + 1 :]


class TestRoundTrip:
    def test_a_signed_code_verifies_to_itself(self) -> None:
        code = payloads.new_code()
        assert payloads.verify(OLD, payloads.sign(OLD, code)) == code

    def test_format(self) -> None:
        signed = payloads.sign(OLD, payloads.new_code())
        assert PAYLOAD.fullmatch(signed)
        version, kid, code, signature = signed.split(".")
        assert (version, kid) == ("HL1", "A")
        assert len(code) == 12
        assert len(signature) == 26

    def test_codes_are_random(self) -> None:
        codes = {payloads.new_code() for _ in range(1000)}
        assert len(codes) == 1000
        assert all(payloads.CODE_PATTERN.fullmatch(code) for code in codes)

    def test_surrounding_whitespace_is_forgiven(self) -> None:
        code = payloads.new_code()
        signed = payloads.sign(OLD, code)
        assert payloads.verify(OLD, f"  {signed}\n") == code

    def test_lower_case_kid_is_signed_upper_case(self) -> None:
        ring = parse_keyring("k2:un-secret", fallback_secret="x", label="hostolink/qr")
        code = payloads.new_code()
        signed = payloads.sign(ring, code)
        assert signed.startswith("HL1.K2.")
        assert payloads.verify(ring, signed) == code

    def test_kids_differing_only_by_case_are_refused(self) -> None:
        ring = KeyRing("a", {"a": b"1" * 32, "A": b"2" * 32})
        with pytest.raises(ValueError, match="casse"):
            payloads.sign(ring, payloads.new_code())


class TestForgery:
    def test_tampered_code(self) -> None:
        signed = payloads.sign(OLD, payloads.new_code())
        code_start = len("HL1.A.")
        for index in (code_start, code_start + 11):
            with pytest.raises(payloads.BadSignature):
                payloads.verify(OLD, _replace(signed, index))

    def test_tampered_signature(self) -> None:
        signed = payloads.sign(OLD, payloads.new_code())
        for index in (len(signed) - 26, len(signed) - 1):
            with pytest.raises(payloads.BadSignature):
                payloads.verify(OLD, _replace(signed, index))

    def test_signature_of_another_code(self) -> None:
        first = payloads.sign(OLD, payloads.new_code()).split(".")
        second = payloads.sign(OLD, payloads.new_code()).split(".")
        with pytest.raises(payloads.BadSignature):
            payloads.verify(OLD, ".".join([*first[:3], second[3]]))

    def test_unknown_kid(self) -> None:
        signed = payloads.sign(OLD, payloads.new_code())
        with pytest.raises(payloads.BadSignature):
            payloads.verify(OLD, signed.replace("HL1.A.", "HL1.Z.", 1))

    def test_signed_with_another_secret_under_the_same_kid(self) -> None:
        other = parse_keyring("A:un-autre-secret", fallback_secret="x", label="hostolink/qr")
        with pytest.raises(payloads.BadSignature):
            payloads.verify(OLD, payloads.sign(other, payloads.new_code()))

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "https://hostolink.ci/payer",
            "HL1",
            "HL2.A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "HL1.A.AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA",  # code too short
            "HL1.A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAA",  # signature too short
            "HL1.ABCDE.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA",  # kid too long
            "HL1.A.AAAAAAAAAAA1.AAAAAAAAAAAAAAAAAAAAAAAAAA",  # 1 is not base32
            "hl1.a.aaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaa",  # strict: upper case only
            "HL1.A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA.X",
            "HL1.A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA\nHL1",
            "HL1. A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA",
            "HL1.A.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAA" + " " * 100 + "x",
        ],
    )
    def test_malformed(self, text: str) -> None:
        with pytest.raises(payloads.MalformedPayload):
            payloads.verify(OLD, text)


class TestRotation:
    def test_new_key_signs_and_old_key_still_verifies(self) -> None:
        code = payloads.new_code()
        printed = payloads.sign(OLD, code)
        assert payloads.verify(ROTATED, printed) == code
        fresh = payloads.sign(ROTATED, code)
        assert fresh.startswith("HL1.B.")
        assert payloads.verify(ROTATED, fresh) == code

    def test_old_key_removed_refuses_its_payloads(self) -> None:
        code = payloads.new_code()
        printed = payloads.sign(OLD, code)
        with pytest.raises(payloads.BadSignature):
            payloads.verify(NEW_ONLY, printed)
        assert payloads.verify(NEW_ONLY, payloads.sign(ROTATED, code)) == code


class TestScannability:
    def test_short_and_alphanumeric(self) -> None:
        longest = parse_keyring("ABCD:un-secret", fallback_secret="x", label="hostolink/qr")
        for ring in (OLD, longest):
            signed = payloads.sign(ring, payloads.new_code())
            assert len(signed) <= 50
            symbol = segno.make(signed, error="m", micro=False)
            assert symbol.mode == "alphanumeric"
            assert symbol.version <= 3
