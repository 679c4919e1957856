"""Traversal contexts and their ACLs: who may do what to which thing.

Ownership lives here (``user:<id>`` ACEs); what a token may do lives in its
abilities.  The security policy asks both.
"""
from __future__ import annotations

from pyramid.authorization import Allow, Authenticated

from .models.ids import parse_id
from .models import Post
from .permissions import AccountPermission, PostPermission
from .tokens import AUTHENTICATED, user_principal


class SiteRoot:
    """The root of every page and API route: signed-in people manage their own account."""

    __acl__ = [(Allow, Authenticated, (AUTHENTICATED, AccountPermission.MANAGE))]

    def __init__(self, request):
        self.request = request


class PostCollection:
    """``/posts``: every signed-in user reads all posts and creates their own."""

    __name__ = "posts"

    def __init__(self, request):
        self.request = request
        self.__parent__ = SiteRoot(request)

    @property
    def __acl__(self):
        return [(Allow, Authenticated, (PostPermission.READ, PostPermission.CREATE))]

    def __getitem__(self, key: str) -> "PostResource":
        post_id = parse_id(key)
        post = self.request.dbsession.get(Post, post_id) if post_id is not None else None
        if post is None:
            raise KeyError(key)
        return PostResource(post, self)


class PostResource:
    """One post: its owner alone updates and deletes it; reading is inherited."""

    def __init__(self, post: Post, parent: PostCollection):
        self.post = post
        self.__parent__ = parent
        self.__name__ = str(post.id)

    @property
    def __acl__(self):
        return [(Allow, user_principal(self.post.owner_id), (PostPermission.UPDATE, PostPermission.DELETE))]
