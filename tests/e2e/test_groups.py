"""Groups and group membership."""

import pytest
from botocore.exceptions import ClientError

from helpers import ROLE_ARN, error_code, is_recent, missing_pool_id, uniq


def group_names(idp, pool):
    names = []
    for page in idp.get_paginator("list_groups").paginate(UserPoolId=pool):
        names += [g["GroupName"] for g in page["Groups"]]
    return names


def groups_of(idp, pool, username):
    names = []
    for page in idp.get_paginator("admin_list_groups_for_user").paginate(UserPoolId=pool, Username=username):
        names += [g["GroupName"] for g in page["Groups"]]
    return sorted(names)


def members_of(idp, pool, group):
    names = []
    for page in idp.get_paginator("list_users_in_group").paginate(UserPoolId=pool, GroupName=group):
        names += [u["Username"] for u in page["Users"]]
    return sorted(names)


def test_create_and_get_group(idp, pool):
    name = uniq("admins")
    group = idp.create_group(
        UserPoolId=pool, GroupName=name, Description="Administrators", RoleArn=ROLE_ARN, Precedence=3,
    )["Group"]
    assert group["GroupName"] == name
    assert group["UserPoolId"] == pool
    assert group["Description"] == "Administrators"
    assert group["RoleArn"] == ROLE_ARN
    assert group["Precedence"] == 3
    assert is_recent(group["CreationDate"]) and is_recent(group["LastModifiedDate"])

    got = idp.get_group(UserPoolId=pool, GroupName=name)["Group"]
    for key in ("GroupName", "UserPoolId", "Description", "RoleArn", "Precedence"):
        assert got[key] == group[key], key


def test_duplicate_group_is_rejected(idp, pool):
    name = uniq("dup")
    idp.create_group(UserPoolId=pool, GroupName=name, Description="first")
    with pytest.raises(idp.exceptions.GroupExistsException):
        idp.create_group(UserPoolId=pool, GroupName=name, Description="second")
    assert idp.get_group(UserPoolId=pool, GroupName=name)["Group"]["Description"] == "first"
    assert group_names(idp, pool) == [name]


def test_same_group_name_in_two_pools(idp, make_pool):
    name = uniq("shared")
    for pool in (make_pool()["Id"], make_pool()["Id"]):
        idp.create_group(UserPoolId=pool, GroupName=name)
        assert group_names(idp, pool) == [name]


def test_update_group(idp, pool):
    name = uniq("editors")
    created = idp.create_group(UserPoolId=pool, GroupName=name, Description="old", Precedence=1)["Group"]
    other_role = ROLE_ARN + "-2"
    updated = idp.update_group(
        UserPoolId=pool, GroupName=name, Description="new", Precedence=7, RoleArn=other_role,
    )["Group"]
    assert (updated["Description"], updated["Precedence"], updated["RoleArn"]) == ("new", 7, other_role)
    got = idp.get_group(UserPoolId=pool, GroupName=name)["Group"]
    assert (got["Description"], got["Precedence"], got["RoleArn"]) == ("new", 7, other_role)
    assert got["CreationDate"] == created["CreationDate"]
    assert got["LastModifiedDate"] >= created["LastModifiedDate"]


def test_delete_group(idp, pool, make_user):
    keep, doomed = uniq("keep"), uniq("doomed")
    idp.create_group(UserPoolId=pool, GroupName=keep)
    idp.create_group(UserPoolId=pool, GroupName=doomed)
    user = make_user(pool)["Username"]
    idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=doomed)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=keep)

    idp.delete_group(UserPoolId=pool, GroupName=doomed)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_group(UserPoolId=pool, GroupName=doomed)
    assert group_names(idp, pool) == [keep]
    assert groups_of(idp, pool, user) == [keep]  # membership went with the group


def test_unknown_group_is_resource_not_found(idp, pool, make_user):
    missing = uniq("missing")
    user = make_user(pool)["Username"]
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_group(UserPoolId=pool, GroupName=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.update_group(UserPoolId=pool, GroupName=missing, Description="x")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_group(UserPoolId=pool, GroupName=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.list_users_in_group(UserPoolId=pool, GroupName=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=user, GroupName=missing)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.create_group(UserPoolId=missing_pool_id(), GroupName=missing)
    # None of the failed calls created the group or a membership.
    assert group_names(idp, pool) == []
    assert groups_of(idp, pool, user) == []


def test_list_groups_paginates(idp, pool):
    created = {uniq(f"g{i}") for i in range(5)}
    for name in created:
        idp.create_group(UserPoolId=pool, GroupName=name, Precedence=1)

    seen, pages = [], 0
    for page in idp.get_paginator("list_groups").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 2}):
        pages += 1
        assert len(page["Groups"]) <= 2
        for group in page["Groups"]:
            assert group["UserPoolId"] == pool and group["Precedence"] == 1
            seen.append(group["GroupName"])
    assert pages >= 3
    assert sorted(seen) == sorted(created)

    first = idp.list_groups(UserPoolId=pool, Limit=3)
    assert len(first["Groups"]) == 3 and first.get("NextToken")
    rest = idp.list_groups(UserPoolId=pool, Limit=3, NextToken=first["NextToken"])
    assert len(rest["Groups"]) == 2 and not rest.get("NextToken")
    assert {g["GroupName"] for g in first["Groups"] + rest["Groups"]} == created


def test_membership(idp, pool, make_user):
    readers, writers = uniq("readers"), uniq("writers")
    idp.create_group(UserPoolId=pool, GroupName=readers, Precedence=10, RoleArn=ROLE_ARN)
    idp.create_group(UserPoolId=pool, GroupName=writers, Precedence=5)
    alice, bob = make_user(pool)["Username"], make_user(pool)["Username"]

    idp.admin_add_user_to_group(UserPoolId=pool, Username=alice, GroupName=readers)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=alice, GroupName=writers)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=bob, GroupName=readers)
    idp.admin_add_user_to_group(UserPoolId=pool, Username=bob, GroupName=readers)  # idempotent

    assert groups_of(idp, pool, alice) == sorted([readers, writers])
    assert groups_of(idp, pool, bob) == [readers]
    assert members_of(idp, pool, readers) == sorted([alice, bob])
    assert members_of(idp, pool, writers) == [alice]

    groups = {g["GroupName"]: g for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=alice)["Groups"]}
    assert groups[readers]["Precedence"] == 10 and groups[readers]["RoleArn"] == ROLE_ARN
    assert groups[writers]["Precedence"] == 5

    users = idp.list_users_in_group(UserPoolId=pool, GroupName=writers)["Users"]
    assert users[0]["Username"] == alice
    assert users[0]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert any(a["Name"] == "sub" for a in users[0]["Attributes"])

    idp.admin_remove_user_from_group(UserPoolId=pool, Username=alice, GroupName=readers)
    assert groups_of(idp, pool, alice) == [writers]
    assert members_of(idp, pool, readers) == [bob]


def test_membership_pagination(idp, pool, make_user):
    group = uniq("crowd")
    idp.create_group(UserPoolId=pool, GroupName=group)
    users = sorted(make_user(pool)["Username"] for _ in range(5))
    for user in users:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
    pages = list(idp.get_paginator("list_users_in_group").paginate(
        UserPoolId=pool, GroupName=group, PaginationConfig={"PageSize": 2}))
    assert len(pages) >= 3 and all(len(p["Users"]) <= 2 for p in pages)
    assert sorted(u["Username"] for p in pages for u in p["Users"]) == users

    groups = sorted(uniq("g") for _ in range(3))
    for name in groups:
        idp.create_group(UserPoolId=pool, GroupName=name)
        idp.admin_add_user_to_group(UserPoolId=pool, Username=users[0], GroupName=name)
    pages = list(idp.get_paginator("admin_list_groups_for_user").paginate(
        UserPoolId=pool, Username=users[0], PaginationConfig={"PageSize": 1}))
    assert all(len(p["Groups"]) <= 1 for p in pages)
    assert sorted(g["GroupName"] for p in pages for g in p["Groups"]) == sorted(groups + [group])


def test_deleted_user_leaves_its_groups(idp, pool, make_user):
    group = uniq("team")
    idp.create_group(UserPoolId=pool, GroupName=group)
    user = make_user(pool)["Username"]
    idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
    idp.admin_delete_user(UserPoolId=pool, Username=user)
    assert members_of(idp, pool, group) == []


def test_membership_with_unknown_user(idp, pool):
    group = uniq("team")
    idp.create_group(UserPoolId=pool, GroupName=group)
    missing = uniq("ghost")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_add_user_to_group(UserPoolId=pool, Username=missing, GroupName=group)
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=missing, GroupName=group)
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_list_groups_for_user(UserPoolId=pool, Username=missing)
    assert members_of(idp, pool, group) == []


def test_a_user_can_be_in_at_most_100_groups(idp, pool, make_user):
    # Cognito quota "Groups per user": 100 (hard limit).
    user, other = make_user(pool)["Username"], make_user(pool)["Username"]
    names = [f"g{i:03d}-{uniq('q')}" for i in range(101)]
    for name in names:
        idp.create_group(UserPoolId=pool, GroupName=name)
    for name in names[:100]:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=name)
    with pytest.raises(ClientError) as exc:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=names[100])
    assert error_code(exc.value) == "LimitExceededException", exc.value.response
    assert members_of(idp, pool, names[100]) == []
    assert groups_of(idp, pool, user) == sorted(names[:100])
    # Re-adding an existing membership is not a 101st group; other users are not affected.
    idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=names[0])
    idp.admin_add_user_to_group(UserPoolId=pool, Username=other, GroupName=names[100])
    assert members_of(idp, pool, names[100]) == [other]
    # Leaving one group makes room again.
    idp.admin_remove_user_from_group(UserPoolId=pool, Username=user, GroupName=names[0])
    idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=names[100])
    assert groups_of(idp, pool, user) == sorted(names[1:])


def test_list_users_in_group_manual_pages(idp, pool, make_user):
    group = uniq("paged")
    idp.create_group(UserPoolId=pool, GroupName=group)
    users = sorted(make_user(pool)["Username"] for _ in range(7))
    outsider = make_user(pool)["Username"]
    for user in users:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = idp.list_users_in_group(UserPoolId=pool, GroupName=group, Limit=3, **kwargs)
        pages += 1
        assert len(page["Users"]) <= 3
        seen += [u["Username"] for u in page["Users"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)), "a member was returned twice"
    assert sorted(seen) == users and outsider not in seen
