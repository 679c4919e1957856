"""Two registrations of one address at once: the loser gets the form's message, not a 500."""
from tokensite.accounts import service

from ..client import PASSWORD, unique_email


def test_the_unique_index_decides_and_the_request_is_retried(browser, monkeypatch):
    email = unique_email("race")
    winner = browser.new_client()
    winner.register(email, "Winner", PASSWORD)

    real_find, misses = service.find_by_email, []

    def not_yet_committed(dbsession, address):
        # the first check of the second request runs before the winner's commit is visible
        if not misses:
            misses.append(address)
            return None
        return real_find(dbsession, address)

    monkeypatch.setattr(service, "find_by_email", not_yet_committed)
    res = browser.new_client().register(email.upper(), "Loser", PASSWORD, status=None)
    assert misses == [email]  # looked up once, lower-cased; the retry found the winner
    assert res.status_int == 400
    assert "already exists" in res.text
