"""The security log's ``?page=``: any value gives a positive page number, never more than ``MAX_PAGE``."""
import pytest

from tokensite.pages.security import MAX_PAGE, page_number


@pytest.mark.parametrize("raw, number", [
    (None, 1), ("", 1), ("1", 1), ("2", 2), ("0", 1), ("-3", 1), ("abc", 1), ("²", 1), ("1e3", 1),
    ("99999", 1), (str(MAX_PAGE + 1), MAX_PAGE), (["2"], 1),
])
def test_page_number_is_a_sane_positive_number(raw, number):
    assert page_number(raw) == number
