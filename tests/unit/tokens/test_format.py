"""The token string: shape, checksum, hash, and every offline refusal."""
import hashlib
import re
import string
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokensite.tokens import format as token_format

PREFIX = "tks_"
SHAPE = re.compile(r"^tks_[A-Za-z0-9]{40}[0-9a-f]{8}$")


def make(random_part: str, prefix: str = PREFIX) -> str:
    return prefix + random_part + format(zlib.crc32(random_part.encode()), "08x")


# a token whose checksum has letters, so that an upper-cased checksum differs
GOOD = next(token for token in (make(f"{n:040d}") for n in range(100))
            if any(c.isalpha() for c in token[44:]))


def test_generate_has_the_contract_shape():
    token = token_format.generate(PREFIX)
    assert len(token) == 52
    assert SHAPE.match(token)


def test_checksum_is_crc32_of_the_random_part_as_8_lowercase_hex():
    token = token_format.generate(PREFIX)
    random_part, check = token[4:44], token[44:]
    assert check == format(zlib.crc32(random_part.encode("ascii")), "08x")


def test_checksum_is_zero_padded():
    # find a random part whose CRC-32 is below 0x10000000, so its hex needs padding
    random_part = next(candidate for candidate in (f"{n:040d}" for n in range(1000))
                       if zlib.crc32(candidate.encode()) < 0x10000000)
    assert token_format.checksum(random_part).startswith("0")
    assert len(token_format.checksum(random_part)) == 8


def test_generate_uses_the_whole_alphabet_and_never_repeats():
    tokens = {token_format.generate(PREFIX) for _ in range(200)}
    assert len(tokens) == 200
    seen = set("".join(token[4:44] for token in tokens))
    assert seen == set(string.ascii_letters + string.digits)


def test_generate_honours_the_prefix():
    token = token_format.generate("acme-")
    assert token.startswith("acme-") and len(token) == 53
    assert token_format.is_well_formed(token, "acme-")


def test_hash_is_sha256_hex_of_the_whole_plaintext_prefix_included():
    assert token_format.hash_token(GOOD) == hashlib.sha256(GOOD.encode()).hexdigest()
    assert token_format.hash_token(GOOD) != hashlib.sha256(GOOD[4:].encode()).hexdigest()


MALFORMED = {
    "empty": "",
    "wrong prefix": "tkx_" + GOOD[4:],
    "no prefix": GOOD[4:],
    "uppercase prefix": "TKS_" + GOOD[4:],
    "one short": GOOD[:-1],
    "one long": GOOD + "0",
    "random part not alphanumeric": make("A" * 39 + "-"),
    "random part non-ascii digit": make("A" * 39 + "\u0663"),
    "uppercase checksum": GOOD[:44] + GOOD[44:].upper(),
    "wrong checksum": GOOD[:44] + format(zlib.crc32(GOOD[4:44].encode()) ^ 1, "08x"),
    "whitespace around": " " + GOOD,
}


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_is_well_formed_refuses(value):
    assert not token_format.is_well_formed(value, PREFIX)


def test_is_well_formed_accepts_a_good_token():
    assert token_format.is_well_formed(GOOD, PREFIX)


@pytest.mark.parametrize("value, expected", [
    (GOOD, token_format.Credential(GOOD, None)),
    (f"7|{GOOD}", token_format.Credential(GOOD, 7)),
    (f"0|{GOOD}", None),  # ids start at 1: no query for an id no row can have
    (f"x7|{GOOD}", None),
    (f"-7|{GOOD}", None),
    (f"1.5|{GOOD}", None),
    (f"\u0663|{GOOD}", None),  # Arabic-Indic digit three: isdigit() but not ASCII
    (f"|{GOOD}", None),
    (f"{'9' * 19}|{GOOD}", None),  # beyond any BIGINT id
    (f"7|{GOOD[:-1]}", None),
    (f"7|8|{GOOD}", None),
    ("7|", None),
])
def test_parse_credential(value, expected):
    assert token_format.parse_credential(value, PREFIX) == expected


def test_credential_hash_is_the_hash_of_the_plaintext_without_the_id():
    assert token_format.parse_credential(f"7|{GOOD}", PREFIX).token_hash == token_format.hash_token(GOOD)


@pytest.mark.parametrize("header, expected", [
    (f"Bearer {GOOD}", token_format.Credential(GOOD)),
    (f"bearer {GOOD}", token_format.Credential(GOOD)),
    (f"BEARER {GOOD}", token_format.Credential(GOOD)),
    (f"Bearer   {GOOD}  ", token_format.Credential(GOOD)),
    (f"Bearer 12|{GOOD}", token_format.Credential(GOOD, 12)),
    (None, None),
    ("", None),
    ("Bearer", None),
    ("Bearer ", None),
    (GOOD, None),
    (f"Basic {GOOD}", None),
    (f"Token {GOOD}", None),
    (f"Bearer{GOOD}", None),
    (f"Bearer {GOOD} extra", None),
])
def test_parse_authorization(header, expected):
    assert token_format.parse_authorization(header, PREFIX) == expected


random_parts = st.text(alphabet=string.ascii_letters + string.digits, min_size=40, max_size=40)


@given(random_parts)
def test_any_well_formed_token_parses(random_part):
    token = make(random_part)
    assert token_format.parse_authorization(f"Bearer {token}", PREFIX) == token_format.Credential(token)


@settings(max_examples=300)
@given(st.data())
def test_any_single_character_change_is_refused(data):
    token = token_format.generate(PREFIX)
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != token[position]),
                            label="replacement")
    changed = token[:position] + replacement + token[position + 1:]
    assert token_format.parse_credential(changed, PREFIX) is None
