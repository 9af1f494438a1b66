"""User sessions with boto3: ListUserSessions and RevokeUserSession (by access token),
AdminListUserSessions and AdminRevokeUserSession; token sessions from API sign-ins, an SSO
session from a hosted-UI sign-in and the token session that came through it, LINKED
revocation, and OperationNotEnabledException while the pool does not track sessions."""

import datetime
import re

from auth_fixtures import *  # noqa: F401,F403
from hosted_fixtures import CB, HostedBrowser, oauth_client

SESSION_ID = re.compile(r"^(tkn|sso)[a-z0-9]{25}$")
UNKNOWN_TOKEN_SESSION = "tkn" + "0" * 25
UNKNOWN_SSO_SESSION = "sso" + "0" * 25


def track(pool):
    pool.idp.set_user_pool_session_configuration(UserPoolId=pool.id, UserSessionTracking="ENABLED",
                                               TokenSession={"MaxPerUser": 20})


def sessions(pool, access_token):
    return pool.idp.list_user_sessions(AccessToken=access_token)["Sessions"]


def admin_sessions(pool, username):
    return pool.idp.admin_list_user_sessions(UserPoolId=pool.id, Username=username)["Sessions"]


def by_type(listed, kind):
    return [s for s in listed if s["SessionType"] == kind]


def token_session_of(pool, access_token):
    """The id of the token session `access_token` belongs to (it is the caller's current one)."""
    [current] = [s for s in sessions(pool, access_token) if s["IsCurrentSession"]]
    return current["SessionId"]


def silent_sign_in(browser):
    """Whether the browser's hosted-UI session signs it in without the form."""
    target, _ = browser.oauth.create_authorization_url(browser.meta["authorization_endpoint"],
                                                       code_verifier=browser.verifier)
    r = browser.get(target)
    assert r.status_code == 302, r.text
    return r.headers["Location"].startswith(CB + "?code=")


def hosted_sign_in(pool, client, username):
    browser = HostedBrowser(pool, client)
    tokens = browser.tokens(browser.sign_in(username, PASSWORD))
    return browser, tokens


def test_operations_need_session_tracking(auth_pool):
    username = auth_pool.create_user()
    access = auth_pool.login(username)["AccessToken"]
    idp = auth_pool.idp
    calls = [
        lambda: idp.list_user_sessions(AccessToken=access),
        lambda: idp.revoke_user_session(AccessToken=access, SessionId=UNKNOWN_TOKEN_SESSION),
        lambda: idp.admin_list_user_sessions(UserPoolId=auth_pool.id, Username=username),
        lambda: idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username,
                                              SessionId=UNKNOWN_TOKEN_SESSION),
    ]
    for call in calls:
        with raises("OperationNotEnabledException"):
            call()
    # Turning tracking off again turns the operations off again.
    track(auth_pool)
    assert len(sessions(auth_pool, access)) == 1
    idp.set_user_pool_session_configuration(UserPoolId=auth_pool.id, UserSessionTracking="DISABLED",
                                            TokenSession={"MaxPerUser": 20})
    with raises("OperationNotEnabledException"):
        idp.list_user_sessions(AccessToken=access)


def test_token_sessions_listed_and_revoked(auth_pool):
    track(auth_pool)
    username = auth_pool.create_user()
    first, second = auth_pool.login(username), auth_pool.login(username)

    listed = sessions(auth_pool, first["AccessToken"])
    assert [s["SessionType"] for s in listed] == ["TOKEN", "TOKEN"], listed
    for s in listed:
        assert SESSION_ID.match(s["SessionId"]) and s["SessionId"].startswith("tkn"), s
        assert s["ClientId"] == auth_pool.client_id
        assert isinstance(s["CreateDate"], datetime.datetime)
        assert "OriginSessionId" not in s
    assert len({s["SessionId"] for s in listed}) == 2
    [mine] = [s for s in listed if s["IsCurrentSession"]]
    [other] = [s for s in listed if not s["IsCurrentSession"]]
    # The same sessions seen from the other sign-in: the current one is the other one.
    assert token_session_of(auth_pool, second["AccessToken"]) == other["SessionId"]
    # A refresh continues the session: its tokens belong to the same one.
    refreshed = auth_pool.refresh(first["RefreshToken"])
    assert token_session_of(auth_pool, refreshed["AccessToken"]) == mine["SessionId"]

    with raises("InvalidParameterException"):
        auth_pool.idp.revoke_user_session(AccessToken=first["AccessToken"], SessionId=mine["SessionId"])
    with raises("ResourceNotFoundException"):
        auth_pool.idp.revoke_user_session(AccessToken=first["AccessToken"], SessionId=UNKNOWN_TOKEN_SESSION)
    with raises("ResourceNotFoundException"):
        auth_pool.idp.revoke_user_session(AccessToken=first["AccessToken"], SessionId=UNKNOWN_SSO_SESSION)

    auth_pool.idp.revoke_user_session(AccessToken=first["AccessToken"], SessionId=other["SessionId"])
    with raises("NotAuthorizedException"):
        auth_pool.refresh(second["RefreshToken"])
    with raises("NotAuthorizedException", message="Access Token has been revoked"):
        auth_pool.idp.get_user(AccessToken=second["AccessToken"])
    assert [s["SessionId"] for s in sessions(auth_pool, first["AccessToken"])] == [mine["SessionId"]]
    # Revoked is gone: revoking it again finds nothing.
    with raises("ResourceNotFoundException"):
        auth_pool.idp.revoke_user_session(AccessToken=first["AccessToken"], SessionId=other["SessionId"])
    # The caller's own session still works.
    assert auth_pool.idp.get_user(AccessToken=first["AccessToken"])["Username"] == username


def test_sessions_are_the_users_own(auth_pool):
    track(auth_pool)
    alice, bob = auth_pool.create_user(), auth_pool.create_user()
    a, b = auth_pool.login(alice), auth_pool.login(bob)
    [bobs] = sessions(auth_pool, b["AccessToken"])
    with raises("ResourceNotFoundException"):
        auth_pool.idp.revoke_user_session(AccessToken=a["AccessToken"], SessionId=bobs["SessionId"])
    assert auth_pool.refresh(b["RefreshToken"])["AccessToken"]
    assert bobs["SessionId"] not in {s["SessionId"] for s in sessions(auth_pool, a["AccessToken"])}


def test_admin_list_and_revoke(auth_pool):
    track(auth_pool)
    username, bystander = auth_pool.create_user(), auth_pool.create_user()
    first, second = auth_pool.login(username), auth_pool.login(username)
    auth_pool.login(bystander)

    listed = admin_sessions(auth_pool, username)
    assert len(listed) == 2 and all(s["IsCurrentSession"] is False for s in listed), listed
    assert all(SESSION_ID.match(s["SessionId"]) and s["ClientId"] == auth_pool.client_id for s in listed)
    assert {s["SessionId"] for s in listed} == {s["SessionId"] for s in sessions(auth_pool, first["AccessToken"])}
    target = token_session_of(auth_pool, second["AccessToken"])

    # The Username must be the session's owner.
    with raises("ResourceNotFoundException"):
        auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=bystander, SessionId=target)
    with raises("UserNotFoundException"):
        auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=uniq("ghost"), SessionId=target)
    with raises("UserNotFoundException"):
        admin_sessions(auth_pool, uniq("ghost"))
    with raises("ResourceNotFoundException"):
        auth_pool.idp.admin_list_user_sessions(UserPoolId="us-east-1_nosuchpool", Username=username)
    assert auth_pool.refresh(second["RefreshToken"])["AccessToken"]

    auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username, SessionId=target,
                                            RevokeAssociatedSessions="NONE")
    with raises("NotAuthorizedException"):
        auth_pool.refresh(second["RefreshToken"])
    assert target not in {s["SessionId"] for s in admin_sessions(auth_pool, username)}
    assert len(admin_sessions(auth_pool, username)) == 1
    assert len(admin_sessions(auth_pool, bystander)) == 1
    # An administrator may revoke any of the user's sessions, the last one included.
    [last] = admin_sessions(auth_pool, username)
    auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username, SessionId=last["SessionId"])
    with raises("NotAuthorizedException", message="Access Token has been revoked"):
        auth_pool.idp.get_user(AccessToken=first["AccessToken"])
    assert admin_sessions(auth_pool, username) == []


def test_sso_session_and_the_tokens_that_came_through_it(auth_pool):
    track(auth_pool)
    client = oauth_client(auth_pool)
    username = auth_pool.create_user()
    browser, hosted = hosted_sign_in(auth_pool, client, username)
    api = auth_pool.login(username)

    listed = sessions(auth_pool, api["AccessToken"])
    [sso] = by_type(listed, "SSO")
    assert SESSION_ID.match(sso["SessionId"]) and sso["SessionId"].startswith("sso"), sso
    assert sso["ClientId"] == client["ClientId"] and sso["IsCurrentSession"] is False
    assert isinstance(sso["CreateDate"], datetime.datetime) and "OriginSessionId" not in sso
    tokens = by_type(listed, "TOKEN")
    [through] = [s for s in tokens if s.get("OriginSessionId") == sso["SessionId"]]
    [direct] = [s for s in tokens if "OriginSessionId" not in s]
    assert through["ClientId"] == client["ClientId"] and direct["IsCurrentSession"] is True
    # The hosted-UI access token names its own session.
    assert token_session_of(auth_pool, hosted["access_token"]) == through["SessionId"]

    # The SSO session signs the browser in silently until it is revoked.
    assert silent_sign_in(browser)

    # LINKED revocation of the SSO session ends it and revokes what came through it.
    auth_pool.idp.revoke_user_session(AccessToken=api["AccessToken"], SessionId=sso["SessionId"],
                                      RevokeAssociatedSessions="LINKED")
    with raises("NotAuthorizedException"):
        auth_pool.refresh(hosted["refresh_token"], client=client)
    with raises("NotAuthorizedException", message="Access Token has been revoked"):
        auth_pool.idp.get_user(AccessToken=hosted["access_token"])
    assert not silent_sign_in(browser)
    left = sessions(auth_pool, api["AccessToken"])
    assert [s["SessionId"] for s in left] == [direct["SessionId"]], left


def test_revoking_an_sso_session_alone_keeps_its_tokens(auth_pool):
    track(auth_pool)
    client = oauth_client(auth_pool)
    username = auth_pool.create_user()
    browser, hosted = hosted_sign_in(auth_pool, client, username)
    [sso] = by_type(admin_sessions(auth_pool, username), "SSO")

    auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username, SessionId=sso["SessionId"])
    assert not silent_sign_in(browser)
    assert auth_pool.refresh(hosted["refresh_token"], client=client)["AccessToken"]
    [left] = admin_sessions(auth_pool, username)
    assert left["SessionType"] == "TOKEN" and left["OriginSessionId"] == sso["SessionId"]
    with raises("ResourceNotFoundException"):
        auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username,
                                                SessionId=sso["SessionId"])


def test_linked_revocation_of_a_token_session_ends_its_sso_session(auth_pool):
    track(auth_pool)
    client = oauth_client(auth_pool)
    username = auth_pool.create_user()
    browser, hosted = hosted_sign_in(auth_pool, client, username)
    listed = admin_sessions(auth_pool, username)
    [token] = by_type(listed, "TOKEN")

    auth_pool.idp.admin_revoke_user_session(UserPoolId=auth_pool.id, Username=username,
                                            SessionId=token["SessionId"], RevokeAssociatedSessions="LINKED")
    with raises("NotAuthorizedException"):
        auth_pool.refresh(hosted["refresh_token"], client=client)
    assert not silent_sign_in(browser)
    assert admin_sessions(auth_pool, username) == []


def test_max_per_user_revokes_the_oldest_sessions(auth_pool):
    idp = auth_pool.idp
    username = auth_pool.create_user()
    # Sessions started before tracking count too once it is on.
    before = auth_pool.login(username)
    idp.set_user_pool_session_configuration(UserPoolId=auth_pool.id, UserSessionTracking="ENABLED",
                                            TokenSession={"MaxPerUser": 2})
    second, third = auth_pool.login(username), auth_pool.login(username)
    with raises("NotAuthorizedException"):
        auth_pool.refresh(before["RefreshToken"])
    assert len(admin_sessions(auth_pool, username)) == 2
    fourth = auth_pool.login(username)
    with raises("NotAuthorizedException"):
        auth_pool.refresh(second["RefreshToken"])
    for kept in (third, fourth):
        assert auth_pool.refresh(kept["RefreshToken"])["AccessToken"]
    # A refresh is not a new session, and a lowered cap applies at the next sign-in.
    assert len(admin_sessions(auth_pool, username)) == 2
    idp.set_user_pool_session_configuration(UserPoolId=auth_pool.id, UserSessionTracking="ENABLED",
                                            TokenSession={"MaxPerUser": 1})
    assert len(admin_sessions(auth_pool, username)) == 2
    last = auth_pool.login(username)
    assert [s["IsCurrentSession"] for s in sessions(auth_pool, last["AccessToken"])] == [True]
    # Without tracking there is no cap.
    idp.set_user_pool_session_configuration(UserPoolId=auth_pool.id, UserSessionTracking="DISABLED",
                                            TokenSession={"MaxPerUser": 1})
    again = auth_pool.login(username)
    assert auth_pool.refresh(last["RefreshToken"])["AccessToken"]
    assert auth_pool.refresh(again["RefreshToken"])["AccessToken"]
