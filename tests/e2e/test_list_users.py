"""ListUsers: the Filter grammar, AttributesToGet, Limit and pagination."""

import types
import uuid

import pytest

from helpers import PERM_PASSWORD, attr_list, attrs, delete_pool_quietly, is_recent, uniq


@pytest.fixture(scope="module")
def people(idp, make_user):
    """A pool with three users; the tests in this module only read it.

    alice  FORCE_CHANGE_PASSWORD, enabled
    albert CONFIRMED,             enabled
    bob    FORCE_CHANGE_PASSWORD, disabled, name with embedded quotes
    """
    tag = uuid.uuid4().hex[:10]
    pool = idp.create_user_pool(PoolName=uniq("people"))["UserPool"]["Id"]
    alice = make_user(pool, username=f"alice-{tag}", attributes={
        "email": f"alice.{tag}@example.com", "name": "Alice Smith", "given_name": "Alice",
        "family_name": "Smith", "preferred_username": f"ally-{tag}", "phone_number": "+15550100001",
    })
    albert = make_user(pool, username=f"albert-{tag}", attributes={
        "email": f"albert.{tag}@example.com", "name": "Albert Smithers", "given_name": "Albert",
        "family_name": "Smithers", "phone_number": "+15550100002",
    })
    bob = make_user(pool, username=f"bob-{tag}", attributes={
        "email": f"bob.{tag}@example.com", "name": 'Bob "The Builder" Jones', "given_name": "Bob",
        "family_name": "Jones",
    })
    idp.admin_set_user_password(UserPoolId=pool, Username=albert["Username"], Password=PERM_PASSWORD, Permanent=True)
    idp.admin_disable_user(UserPoolId=pool, Username=bob["Username"])
    yield types.SimpleNamespace(
        pool=pool, tag=tag, alice=alice["Username"], albert=albert["Username"], bob=bob["Username"],
        bob_sub=attrs(bob)["sub"],
    )
    delete_pool_quietly(idp, pool)


def listed(idp, pool, **kwargs):
    users = []
    for page in idp.get_paginator("list_users").paginate(UserPoolId=pool, **kwargs):
        users += page["Users"]
    return users


def usernames(idp, pool, flt):
    return sorted(u["Username"] for u in listed(idp, pool, Filter=flt))


FILTER_CASES = [
    # (filter template, expected users); {tag}, {alice} etc. are filled from the fixture
    ('username = "{alice}"', ["alice"]),
    ('email = "alice.{tag}@example.com"', ["alice"]),
    ('email ^= "al"', ["albert", "alice"]),
    ('phone_number = "+15550100002"', ["albert"]),
    ('phone_number ^= "+1555010000"', ["albert", "alice"]),
    ('name = "Alice Smith"', ["alice"]),
    ('given_name = "Bob"', ["bob"]),
    ('family_name = "Smith"', ["alice"]),
    ('family_name ^= "Smith"', ["albert", "alice"]),
    ('preferred_username = "ally-{tag}"', ["alice"]),
    ('cognito:user_status = "CONFIRMED"', ["albert"]),
    ('cognito:user_status = "force_change_password"', ["alice", "bob"]),
    ('status = "Enabled"', ["albert", "alice"]),
    ('status = "Disabled"', ["bob"]),
    ('sub = "{bob_sub}"', ["bob"]),
    ('name = "Bob \\"The Builder\\" Jones"', ["bob"]),
    ('name ^= "Bob \\"The"', ["bob"]),
    ('given_name = "Nobody"', []),
    ("", ["albert", "alice", "bob"]),
]


@pytest.mark.parametrize("template,expected", FILTER_CASES, ids=[c[0] or "<empty>" for c in FILTER_CASES])
def test_filter(idp, people, template, expected):
    flt = template.format(**vars(people))
    assert usernames(idp, people.pool, flt) == sorted(getattr(people, name) for name in expected)


@pytest.mark.parametrize("flt", [
    'email == "x@example.com"',
    'email = x@example.com',
    'email = "x@example.com',
    'email',
    'bogus',
    'email = "a" and name = "b"',
    'custom:tier = "gold"',
    'address = "1 Main St"',
    'nickname = "al"',
])
def test_invalid_filter(idp, people, flt):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_users(UserPoolId=people.pool, Filter=flt)


def test_attributes_to_get(idp, people):
    users = listed(idp, people.pool, AttributesToGet=["email"])
    assert len(users) == 3
    for user in users:
        assert set(attrs(user)) == {"email"}
        assert user["UserStatus"] and "Enabled" in user

    users = listed(idp, people.pool, AttributesToGet=["given_name", "email"], Filter='email ^= "al"')
    assert {attrs(u)["given_name"] for u in users} == {"Alice", "Albert"}
    assert all(set(attrs(u)) == {"given_name", "email"} for u in users)


def test_user_shape(idp, people):
    [alice] = idp.list_users(UserPoolId=people.pool, Filter=f'username = "{people.alice}"')["Users"]
    assert alice["Enabled"] is True
    assert alice["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert is_recent(alice["UserCreateDate"]) and is_recent(alice["UserLastModifiedDate"])
    assert attrs(alice)["email"] == f"alice.{people.tag}@example.com"
    assert "sub" in attrs(alice)


def test_limit_and_pagination_token(idp, people):
    first = idp.list_users(UserPoolId=people.pool, Limit=2)
    assert len(first["Users"]) == 2
    assert first.get("PaginationToken")
    second = idp.list_users(UserPoolId=people.pool, Limit=2, PaginationToken=first["PaginationToken"])
    assert len(second["Users"]) == 1
    assert not second.get("PaginationToken")
    names = [u["Username"] for u in first["Users"] + second["Users"]]
    assert sorted(names) == sorted([people.alice, people.albert, people.bob])


def test_limit_above_60_is_rejected(idp, people):
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.list_users(UserPoolId=people.pool, Limit=61)


def test_unknown_pool(idp):
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.list_users(UserPoolId="us-east-1_" + uuid.uuid4().hex[:9])


def test_paginator_over_25_users(idp, pool, make_user):
    created = sorted(make_user(pool, username=f"u{i:02d}-{uuid.uuid4().hex[:6]}")["Username"] for i in range(25))
    pages = list(idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 10}))
    assert len(pages) >= 3
    assert all(len(p["Users"]) <= 10 for p in pages)
    seen = [u["Username"] for p in pages for u in p["Users"]]
    assert len(seen) == len(set(seen)), "a user was returned twice"
    assert sorted(seen) == created

    capped = idp.get_paginator("list_users").paginate(
        UserPoolId=pool, PaginationConfig={"PageSize": 10, "MaxItems": 12}).build_full_result()
    assert len(capped["Users"]) == 12 and capped.get("NextToken")
    rest = idp.get_paginator("list_users").paginate(
        UserPoolId=pool, PaginationConfig={"PageSize": 10, "StartingToken": capped["NextToken"]}).build_full_result()
    assert sorted(u["Username"] for u in capped["Users"] + rest["Users"]) == created


def test_filtered_pagination(idp, pool, make_user):
    confirmed = []
    for i in range(7):
        name = make_user(pool)["Username"]
        if i % 2 == 0:
            idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=PERM_PASSWORD, Permanent=True)
            confirmed.append(name)
    users = listed(idp, pool, Filter='cognito:user_status = "CONFIRMED"', PaginationConfig={"PageSize": 2})
    assert sorted(u["Username"] for u in users) == sorted(confirmed)


def manual_pages(idp, pool, limit, between_pages=None, **kwargs):
    """Every page of ListUsers fetched by hand; between_pages(page_number) runs after each page."""
    pages, token = [], None
    while True:
        extra = {"PaginationToken": token} if token else {}
        page = idp.list_users(UserPoolId=pool, Limit=limit, **kwargs, **extra)
        assert len(page["Users"]) <= limit
        pages.append([u["Username"] for u in page["Users"]])
        token = page.get("PaginationToken")
        if between_pages:
            between_pages(len(pages))
        if not token:
            return pages


@pytest.mark.parametrize("flt", ['family_name = "Tie"', 'family_name ^= "Tie"'])
def test_filtered_pagination_with_equal_values(idp, pool, make_user, flt):
    # Many users share the filtered value: the page cursor must not lose or repeat any of them.
    tied = [make_user(pool, attributes={"family_name": "Tie"})["Username"] for _ in range(7)]
    longer = [make_user(pool, attributes={"family_name": f"Tie{i}"})["Username"] for i in range(3)]
    make_user(pool, attributes={"family_name": "Other"})
    expected = tied + (longer if "^=" in flt else [])
    for limit in (1, 2, 3):
        seen = [u for page in manual_pages(idp, pool, limit, Filter=flt) for u in page]
        assert len(seen) == len(set(seen)), f"Limit={limit}: a user was returned twice"
        assert sorted(seen) == sorted(expected), f"Limit={limit}"


def test_pagination_while_users_come_and_go(idp, pool, make_user):
    # Users that exist for the whole listing appear exactly once, whatever happens between pages.
    stable = [make_user(pool, username=f"m{i:02d}-{uuid.uuid4().hex[:6]}")["Username"] for i in range(9)]
    transient = [make_user(pool, username=f"a{i}-{uuid.uuid4().hex[:6]}")["Username"] for i in range(2)]
    added = []

    def churn(page_number):
        if page_number == 1:
            for name in transient:
                idp.admin_delete_user(UserPoolId=pool, Username=name)
            for prefix in ("a", "n", "z"):
                added.append(make_user(pool, username=f"{prefix}-late-{uuid.uuid4().hex[:6]}")["Username"])
            idp.admin_update_user_attributes(
                UserPoolId=pool, Username=stable[5], UserAttributes=attr_list({"name": "changed mid-listing"}))

    seen = [u for page in manual_pages(idp, pool, 3, between_pages=churn) for u in page]
    assert len(seen) == len(set(seen)), "a user was returned twice"
    assert set(stable) <= set(seen), set(stable) - set(seen)
    assert set(seen) <= set(stable) | set(transient) | set(added)

