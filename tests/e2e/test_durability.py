"""Durability: acknowledged writes survive kill -9; everything survives a graceful restart."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from helpers import (
    PERM_PASSWORD,
    ROLE_ARN,
    TEMP_PASSWORD,
    attr_list,
    attrs,
    make_client,
    uniq,
    unique_email,
)

TOTAL_CREATES = 200
KILL_AFTER = 50
WORKERS = 16


def test_acknowledged_creates_survive_kill9(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = server_factory(data_dir)
    idp = make_client(server.url, read_timeout=30)
    pool = idp.create_user_pool(PoolName=uniq("durable"))["UserPool"]["Id"]

    tag = uuid.uuid4().hex[:8]
    usernames = [f"u{i:03d}-{tag}" for i in range(TOTAL_CREATES)]
    acknowledged, lock, enough = [], threading.Lock(), threading.Event()

    def create(username):
        try:
            resp = idp.admin_create_user(
                UserPoolId=pool, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
                UserAttributes=attr_list({"email": f"{username}@example.com"}),
            )
        except Exception:  # connection refused/reset once the server is gone
            return
        if resp["ResponseMetadata"]["HTTPStatusCode"] == 200:
            with lock:
                acknowledged.append((username, attrs(resp["User"])["sub"]))
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool_executor:
        for username in usernames:
            pool_executor.submit(create, username)
        reached = enough.wait(timeout=120)
        server.kill9()
    assert reached, f"only {len(acknowledged)} creates were acknowledged before the kill; stderr:\n{server.stderr()}"

    restarted = server_factory(data_dir)
    idp2 = make_client(restarted.url)
    missing, wrong = [], []
    for username, sub in acknowledged:
        try:
            user = idp2.admin_get_user(UserPoolId=pool, Username=username)
        except idp2.exceptions.UserNotFoundException:
            missing.append(username)
            continue
        a = attrs(user)
        if a.get("sub") != sub or a.get("email") != f"{username}@example.com" \
                or user["UserStatus"] != "FORCE_CHANGE_PASSWORD":
            wrong.append((username, user))
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged users were lost: {missing[:10]}"
    assert not wrong, wrong[:3]

    # Whatever else made it to disk is whole: every listed user is readable and complete.
    listed = []
    for page in idp2.get_paginator("list_users").paginate(UserPoolId=pool):
        listed += page["Users"]
    assert {u for u, _ in acknowledged} <= {u["Username"] for u in listed}
    assert len(listed) <= TOTAL_CREATES
    for user in listed:
        assert user["Username"] in usernames
        assert "sub" in attrs(user) and attrs(user)["email"] == f"{user['Username']}@example.com"
    assert idp2.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == len(listed)

    # And the restarted server keeps accepting writes.
    idp2.admin_create_user(UserPoolId=pool, Username=uniq("after"), MessageAction="SUPPRESS")


def test_graceful_restart_keeps_everything(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = server_factory(data_dir)
    idp = make_client(server.url)

    pool = idp.create_user_pool(
        PoolName=uniq("restart"),
        Policies={"PasswordPolicy": {"MinimumLength": 10}},
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
        AliasAttributes=["email"],
        UserPoolTags={"env": "restart"},
    )["UserPool"]
    idp.add_custom_attributes(UserPoolId=pool["Id"], CustomAttributes=[
        {"Name": "score", "AttributeDataType": "Number", "Mutable": True}])
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName=uniq("app"), GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    group = uniq("group")
    idp.create_group(UserPoolId=pool["Id"], GroupName=group, Precedence=2, RoleArn=ROLE_ARN)
    email = unique_email("keeper")
    user = idp.admin_create_user(
        UserPoolId=pool["Id"], Username=uniq("keeper"), MessageAction="SUPPRESS", TemporaryPassword=TEMP_PASSWORD,
        UserAttributes=attr_list({"email": email, "email_verified": "true", "custom:tier": "gold"}),
    )["User"]
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username=user["Username"], Password=PERM_PASSWORD,
                                Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=user["Username"], GroupName=group)
    disabled = idp.admin_create_user(UserPoolId=pool["Id"], Username=uniq("off"), MessageAction="SUPPRESS")["User"]
    idp.admin_disable_user(UserPoolId=pool["Id"], Username=disabled["Username"])
    before = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]

    server.stop()
    restarted = server_factory(data_dir)
    idp = make_client(restarted.url)

    after = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    for key in ("Arn", "Name", "Policies", "AliasAttributes", "UserPoolTags",
                "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers"):
        assert after[key] == before[key], key
    by_name = lambda schema: {a["Name"]: a for a in schema}  # noqa: E731
    assert by_name(after["SchemaAttributes"]) == by_name(before["SchemaAttributes"])
    assert "custom:score" in by_name(after["SchemaAttributes"])
    listed = idp.get_paginator("list_user_pools").paginate(MaxResults=60).build_full_result()["UserPools"]
    assert pool["Id"] in {p["Id"] for p in listed}

    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])["UserPoolClient"]
    assert described["ClientSecret"] == client["ClientSecret"]
    assert set(described["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}

    got_group = idp.get_group(UserPoolId=pool["Id"], GroupName=group)["Group"]
    assert (got_group["Precedence"], got_group["RoleArn"]) == (2, ROLE_ARN)

    got = idp.admin_get_user(UserPoolId=pool["Id"], Username=email)  # alias index survived too
    assert got["Username"] == user["Username"]
    assert got["UserStatus"] == "CONFIRMED"
    assert attrs(got)["sub"] == attrs(user)["sub"]
    assert attrs(got)["custom:tier"] == "gold"
    groups = idp.admin_list_groups_for_user(UserPoolId=pool["Id"], Username=user["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == [group]
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username=disabled["Username"])["Enabled"] is False
