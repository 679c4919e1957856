"""What API clients rely on beyond the bodies: Location on 201, ETags and conditional requests,
the Link to the next page, the token's abilities and the structured RateLimit fields."""
import pytest
from webob import Request

from tokensite.models.ids import MAX_ID

from ..client import Browser
from ..sql import rows
from .test_posts import ALL, create_post, token_made_in_code


@pytest.fixture
def writer(user):
    user.token = user.create_token("writer", ALL)
    return user


def post_path(post) -> str:
    return f"/api/posts/{post['id']}"


# -- Location

def test_a_created_post_is_located_by_its_own_url(writer):
    res = writer.api("POST", "/api/posts", token=writer.token, json_body={"title": "Here"}, status=201)
    assert res.headers["Location"] == f"http://localhost/api/posts/{res.json['id']}"
    assert writer.api("GET", res.headers["Location"], token=writer.token, status=200).json == res.json


# -- ETag, If-None-Match, If-Match

def test_a_post_has_a_strong_etag_that_304s_with_if_none_match(writer):
    post = create_post(writer)
    res = writer.api("GET", post_path(post), token=writer.token, status=200)
    etag = res.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    again = writer.api("GET", post_path(post), token=writer.token, headers={"If-None-Match": etag},
                       status=304)
    assert again.body == b"" and again.headers["ETag"] == etag
    assert writer.api("GET", post_path(post), token=writer.token, headers={"If-None-Match": "*"},
                      status=304).body == b""
    assert writer.api("GET", post_path(post), token=writer.token, headers={"If-None-Match": f'"x", W/{etag}'},
                      status=304).body == b""  # If-None-Match compares weakly (RFC 9110 §13.1.2)
    assert writer.api("GET", post_path(post), token=writer.token, headers={"If-None-Match": '"other"'},
                      status=200).json == post


def test_the_etag_changes_with_every_change_even_within_one_second(writer):
    post = create_post(writer, title="One", body="")
    etags = [writer.api("GET", post_path(post), token=writer.token).headers["ETag"]]
    for title in ("Two", "Three"):
        res = writer.api("PATCH", post_path(post), token=writer.token, json_body={"title": title}, status=200)
        assert res.headers["ETag"] == writer.api("GET", post_path(post), token=writer.token).headers["ETag"]
        etags.append(res.headers["ETag"])
    assert len(set(etags[:3])) == 3


def test_create_answers_the_etag_that_get_sends(writer):
    res = writer.api("POST", "/api/posts", token=writer.token, json_body={"title": "Tagged"}, status=201)
    assert res.headers["ETag"] == writer.api("GET", post_path(res.json), token=writer.token).headers["ETag"]


@pytest.mark.parametrize("method, body", [("PATCH", {"title": "Changed"}), ("PUT", {"title": "Changed"}),
                                          ("DELETE", None)])
@pytest.mark.parametrize("if_match", ['"nope"', "nope", "", 'W/"{etag}"', '"a", "b"'])
def test_a_failed_if_match_is_412_and_changes_nothing(writer, engine, method, body, if_match):
    post = create_post(writer)
    etag = writer.api("GET", post_path(post), token=writer.token).headers["ETag"]
    before = rows(engine, "posts")
    res = writer.api(method, post_path(post), token=writer.token, json_body=body,
                     headers={"If-Match": if_match.format(etag=etag.strip('"'))}, status=412)
    assert res.json["error"]["code"] == "precondition_failed"
    assert res.headers["ETag"] == etag
    assert rows(engine, "posts") == before


def test_an_invalid_body_is_422_whatever_if_match_says(writer, engine):
    post = create_post(writer)
    before = rows(engine, "posts")
    res = writer.api("PATCH", post_path(post), token=writer.token, json_body={"title": ""},
                     headers={"If-Match": '"stale"'}, status=422)
    assert res.json["error"]["code"] == "validation_failed"
    assert rows(engine, "posts") == before


@pytest.mark.parametrize("method, body, status", [
    ("PATCH", {"body": "New"}, 200), ("PUT", {"title": "New"}, 200), ("DELETE", None, 204),
])
def test_a_matching_if_match_applies_the_change(writer, engine, method, body, status):
    post = create_post(writer)
    etag = writer.api("GET", post_path(post), token=writer.token).headers["ETag"]
    res = writer.api(method, post_path(post), token=writer.token, json_body=body,
                     headers={"If-Match": f'"other", {etag}'}, status=status)
    if method == "DELETE":
        assert rows(engine, "posts") == []
    else:
        assert res.headers["ETag"] != etag
        assert res.headers["ETag"] == writer.api("GET", post_path(post), token=writer.token).headers["ETag"]


def test_if_match_star_holds_for_an_existing_post_and_a_missing_one_stays_404(writer):
    post = create_post(writer)
    writer.api("PATCH", post_path(post), token=writer.token, json_body={"body": "x"},
               headers={"If-Match": "*"}, status=200)
    writer.api("DELETE", post_path(post), token=writer.token, headers={"If-Match": "*"}, status=204)
    # RFC 9110 §13.2.1: an answer that would not be 2xx without the condition ignores it
    writer.api("PATCH", post_path(post), token=writer.token, json_body={"body": "x"},
               headers={"If-Match": "*"}, status=404)


def test_if_none_match_star_on_an_existing_post_refuses_the_change(writer, engine):
    post = create_post(writer)
    before = rows(engine, "posts")
    res = writer.api("PUT", post_path(post), token=writer.token, json_body={"title": "x"},
                     headers={"If-None-Match": "*"}, status=412)
    assert res.json["error"]["code"] == "precondition_failed"
    assert rows(engine, "posts") == before


def test_an_if_match_from_someone_who_may_not_change_the_post_is_still_403(writer, other_user):
    post = create_post(writer)
    token = other_user.create_token("other", ALL)
    res = other_user.api("PATCH", post_path(post), token=token, json_body={"title": "x"},
                         headers={"If-Match": '"stale"'}, status=403)
    assert res.json["error"]["code"] == "forbidden"


# -- Link

def test_every_page_but_the_last_links_to_the_next_with_the_same_cursor_and_limit(writer):
    ids = [create_post(writer, title=f"post {n}")["id"] for n in range(5)]
    url, seen = "/api/posts?limit=2", []
    while True:
        res = writer.api("GET", url, token=writer.token, status=200)
        seen += [item["id"] for item in res.json["items"]]
        if res.json["next"] is None:
            assert "Link" not in res.headers
            break
        assert res.headers["Link"] == f'</api/posts?limit=2&cursor={res.json["next"]}>; rel="next"'
        url = res.headers["Link"][1:res.headers["Link"].index(">")]
    assert seen == sorted(ids, reverse=True)


def test_the_link_of_the_default_page_size_carries_no_limit(writer):
    for n in range(21):
        create_post(writer, title=f"p{n}")
    res = writer.api("GET", "/api/posts", token=writer.token, status=200)
    assert res.headers["Link"] == f'</api/posts?cursor={res.json["next"]}>; rel="next"'


@pytest.mark.parametrize("cursor", [str(MAX_ID + 1), "9999999999", "0000000000"])
def test_every_cursor_the_document_allows_is_accepted(writer, cursor):
    post = create_post(writer)
    items = writer.api("GET", f"/api/posts?cursor={cursor}", token=writer.token, status=200).json["items"]
    assert items == ([] if int(cursor) == 0 else [post])


# -- the token's abilities

@pytest.mark.parametrize("abilities, header", [(["read"], "read"), (["read", "update"], "read, update"),
                                               ([], ""), (["*"], "*")])
def test_bearer_responses_carry_the_tokens_abilities(app, user, abilities, header):
    token = token_made_in_code(app, user.account.id, abilities)
    for path in ("/api/user", "/api/posts"):
        res = user.api("GET", path, token=token)
        assert res.headers["Tokensite-Token-Abilities"] == header, path
    # a refusal says what the token could have done
    res = user.api("POST", "/api/posts", token=token, json_body={"title": "x"},
                   status=201 if abilities == ["*"] else 403)
    assert res.headers["Tokensite-Token-Abilities"] == header


def test_session_and_anonymous_responses_carry_no_abilities(user, browser):
    assert "Tokensite-Token-Abilities" not in user.api("GET", "/api/user", status=200).headers
    assert "Tokensite-Token-Abilities" not in browser.api("GET", "/api/user", status=401).headers
    invalid = user.api("GET", "/api/user", token="tks_nope", status=401)
    assert "Tokensite-Token-Abilities" not in invalid.headers


# -- RateLimit and RateLimit-Policy

def test_responses_carry_the_structured_ratelimit_fields(writer):
    res = writer.api("GET", "/api/user", token=writer.token, status=200)
    assert res.headers["RateLimit-Policy"] == '"default";q=600;w=60'
    remaining, reset = res.headers["RateLimit-Remaining"], res.headers["RateLimit-Reset"]
    assert remaining == "599" and 0 < int(reset) <= 60
    assert res.headers["RateLimit"] == f'"default";r={remaining};t={reset}'


def test_a_throttled_request_says_so_in_both_forms(make_app, user):
    app = make_app({"tokensite.ratelimit.api": "2/hour"})
    client = Browser(app)
    token = token_made_in_code(app, user.account.id, ["read"])
    for remaining in ("1", "0"):
        res = client.api("GET", "/api/user", token=token, status=200)
        assert res.headers["RateLimit"].startswith(f'"default";r={remaining};t=')
    res = client.api("GET", "/api/user", token=token, status=429)
    assert res.headers["RateLimit-Policy"] == '"default";q=2;w=3600'
    assert res.headers["RateLimit"] == f'"default";r=0;t={res.headers["Retry-After"]}'


def test_a_patch_with_an_unknown_member_is_422_and_changes_nothing(writer, engine):
    post = create_post(writer)
    before = rows(engine, "posts")
    res = writer.api("PATCH", post_path(post), token=writer.token, json_body={"title": "x", "titel": "y"},
                     status=422)
    assert res.json["error"]["fields"] == {"titel": ["Unknown field: send a title, a body or both."]}
    assert rows(engine, "posts") == before


def test_a_put_of_a_post_as_read_ignores_its_other_members(writer):
    post = create_post(writer)
    sent = {**post, "title": "Replaced"}
    res = writer.api("PUT", post_path(post), token=writer.token, json_body=sent, status=200)
    assert (res.json["title"], res.json["id"]) == ("Replaced", post["id"])


@pytest.mark.parametrize("method", ["QUERY", "OPTIONS", "POST", "BREW"])
def test_a_method_the_document_does_not_list_is_405_on_the_public_document_too(app, method):
    res = Request.blank("/api/openapi.json", method=method).get_response(app)  # WebTest refuses QUERY
    assert res.status_int == 405
    assert res.headers["Allow"] == "GET, HEAD" and res.json["error"]["code"] == "method_not_allowed"
