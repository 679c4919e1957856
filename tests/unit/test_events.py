"""The event tags and the guard against logging secrets (the writes are tested in
tests/functional/test_security_log.py)."""
import pytest

from tokensite.events import EventTag, label_of, record_event


def test_every_tag_has_words_and_a_stable_stored_value():
    for tag in EventTag:
        assert tag.label and label_of(str(tag)) == tag.label
        assert ":" in tag.value and len(tag.value) <= 64


def test_an_unknown_stored_tag_shows_as_itself():
    assert label_of("account:from_the_future") == "account:from_the_future"


@pytest.mark.parametrize("key", ["plaintext", "token_hash", "password", "password_hash"])
def test_record_event_refuses_details_that_could_hold_a_secret(key):
    with pytest.raises(ValueError, match="never log secrets"):
        record_event(object(), EventTag.TOKEN_CREATED, user=object(), **{key: "x"})
