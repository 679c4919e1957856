"""The Tokensite-Token-Abilities value the front door sends."""
import pytest

from tokensite.api.gate import abilities_header


@pytest.mark.parametrize("abilities, header", [
    ((), ""), (("*",), "*"), (("read",), "read"), (("read", "update"), "read, update"),
    # a permission registered in code with a character a header cannot carry, or a comma
    (("read", "a,b", "caf\u00e9", "x\ny", "50%"), "read, a%2Cb, caf%C3%A9, x%0Ay, 50%25"),
])
def test_abilities_are_comma_separated_and_always_a_valid_header_value(abilities, header):
    assert abilities_header(abilities) == header
