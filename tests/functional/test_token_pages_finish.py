"""What makes the token pages feel finished, as the server renders them: expiry seen coming (the
"expires soon" badge, the banner naming the tokens on the dashboard and the token page, the date
a lifetime ends), newest tokens first, the new token's card named, notes for what is allowed but
probably not meant, and the menu still marking the page after a regenerate."""
import datetime as dt

import sqlalchemy as sa

from tokensite.models import ApiToken, utcnow

from ..client import Browser, new_token_in

INDEX = "/user/api-tokens"


def set_expiry(engine, token_id, expires_at):
    with engine.begin() as conn:
        conn.execute(sa.update(ApiToken.__table__).where(ApiToken.id == token_id)
                     .values(expires_at=expires_at))


def listed(user) -> dict:
    items = user.get(INDEX).html.find_all("li", class_="token")
    return {item.find(class_="token-name").text: item for item in items}


def banner_names(page) -> list[str]:
    banner = page.html.find(id="expiry-banner")
    return [] if banner is None else [item.find("strong").text for item in banner.find_all("li")]


def make_tokens(user, engine, lifetimes: dict[str, dt.timedelta | None]):
    """One token per name, expiring ``lifetime`` from now (negative: expired that long ago)."""
    now = utcnow()
    for name, lifetime in lifetimes.items():
        user.create_token(name, ["read"], "never" if lifetime is None else 30)
        if lifetime is not None:
            set_expiry(engine, user.token_id(name), now + lifetime)


# -- expiry you can see coming

def test_the_soon_badge_shows_under_seven_days_left_only(user, engine):
    make_tokens(user, engine, {"hours": dt.timedelta(hours=3), "six days": dt.timedelta(days=6, hours=23),
                               "eight days": dt.timedelta(days=7, hours=1), "gone": dt.timedelta(hours=-1),
                               "forever": None})
    badged = {name for name, item in listed(user).items() if item.find(class_="badge", string="Expires soon")}
    assert badged == {"hours", "six days"}


def test_the_token_page_and_the_dashboard_name_every_token_that_expires_within_seven_days(user, engine):
    make_tokens(user, engine, {"deploy bot": dt.timedelta(days=2), "ci <b>runner</b>": dt.timedelta(hours=3),
                               "monthly": dt.timedelta(days=7, hours=1), "lapsed": dt.timedelta(days=-3),
                               "long gone": dt.timedelta(days=-8), "forever": None})
    for path in (INDEX, "/dashboard"):
        page = user.get(path)
        # soonest first; a token that expired in the last 7 days is named too, markup as text
        assert banner_names(page) == ["lapsed", "ci <b>runner</b>", "deploy bot"], path
        items = page.html.find(id="expiry-banner").find_all("li")
        assert " expired on " in items[0].text and " expires on " in items[1].text
        assert items[2].find("time")["datetime"].endswith("Z")
    assert user.get("/dashboard").html.find(id="expiry-banner-link")["href"] == INDEX


def test_no_banner_without_a_token_near_its_expiry(user, engine):
    make_tokens(user, engine, {"monthly": dt.timedelta(days=20), "forever": None})
    assert banner_names(user.get(INDEX)) == [] and banner_names(user.get("/dashboard")) == []


def test_the_banner_names_only_the_users_own_tokens(user, other_user, engine):
    make_tokens(other_user, engine, {"theirs": dt.timedelta(days=1)})
    assert banner_names(user.get("/dashboard")) == []
    assert banner_names(other_user.get("/dashboard")) == ["theirs"]


def test_the_dashboard_has_no_banner_with_the_api_switched_off(make_app):
    client = Browser(make_app({"tokensite.features.api": "false"})).new_user()
    assert client.get("/dashboard", status=200).html.find(id="expiry-banner") is None


def test_each_lifetime_shows_the_date_it_ends_and_no_expiration_warns(user):
    form = user.get(INDEX).html.find(id="create-token-form")
    today = utcnow().date()
    options = {option["value"]: option
               for option in form.find("select", id="expires_in_days").find_all("option")}
    thirty = today + dt.timedelta(days=30)
    assert options["30"].text == f"30 days ({thirty.day} {thirty:%b %Y})"
    assert options["30"]["data-result"] == \
        f"The token will expire on {thirty:%A}, {thirty.day} {thirty:%B %Y} (UTC)."
    # without JavaScript the hint under the select says what the preselected choice means
    assert form.find(id="expiry-result").text == options["30"]["data-result"]
    assert options["never"].text == "No expiration (not recommended)"
    assert "works until you delete it" in options["never"]["data-result"]


def test_a_form_sent_back_with_no_expiration_shows_the_warning(user):
    res = user.form_post(INDEX, [("name", ""), ("permissions", "read"), ("expires_in_days", "never")],
                         status=400)
    hint = res.html.find(id="expiry-result")
    assert "works until you delete it" in hint.text and "warning-text" in hint["class"]


# -- the list and the new token

def test_the_newest_token_comes_first(user):
    for name in ("first", "second", "third"):
        user.create_token(name)
    assert list(listed(user)) == ["third", "second", "first"]


def test_the_new_token_card_names_the_token_after_create_and_regenerate(user):
    res = user.submit_token_form("deploy bot", ["read"], 30, status=201)
    assert res.html.find(id="new-token-heading").text == "API token \u201cdeploy bot\u201d"
    assert res.html.find(id="new-token-card")["data-return-url"] == INDEX
    regenerated = user.form_post(f"{INDEX}/{user.token_id('deploy bot')}/regenerate", {}, status=201)
    assert regenerated.html.find(id="new-token-heading").text == "API token \u201cdeploy bot\u201d"
    assert new_token_in(regenerated.text) != new_token_in(res.text)
    # the answer is on the POST's own URL, yet the menu still marks the token page
    current = regenerated.html.find(id="main-menu").find("a", attrs={"aria-current": "page"})
    assert current.text == "API Tokens"


def test_a_reused_name_is_allowed_with_a_note(user, engine):
    user.create_token("laptop")
    res = user.submit_token_form("laptop", ["read"], 30, status=201)
    notes = [note.text for note in res.html.find_all(class_="note")]
    assert notes == ["Another of your tokens is also called \u201claptop\u201d. "
                     "A distinct name tells them apart in the list and in the security log."]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ApiToken.__table__)) == 2


def test_a_token_without_permissions_is_allowed_with_a_note(user):
    res = user.submit_token_form("bare", [], 30, status=201)
    [note] = res.html.find_all(class_="note")
    assert note.text.startswith("This token has no permissions")


def test_an_ordinary_token_gets_no_note(user):
    user.create_token("other")
    assert user.submit_token_form("fresh", ["read"], 30, status=201).html.find(class_="note") is None
