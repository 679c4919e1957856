"""Ids from URLs and credentials: only values an Integer column can hold reach the database."""
import pytest

from tokensite.models.meta import MAX_ID, parse_id


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1),
    ("42", 42),
    ("007", 7),
    (str(MAX_ID), MAX_ID),
    (str(MAX_ID + 1), None),
    ("0", 0),
    ("-1", None),
    ("+1", None),
    (" 1", None),
    ("1.0", None),
    ("1e3", None),
    ("١", None),          # Arabic-Indic digit one: isdigit() but not ASCII
    ("9" * 40, None),
    ("", None),
    (None, None),
    (12, None),
])
def test_parse_id(text, expected):
    assert parse_id(text) == expected
