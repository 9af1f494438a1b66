"""Durability: acknowledged writes survive kill -9; everything survives a graceful restart."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

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
UPDATE_USERS = 200


class Flight:
    """Tracks calls made against a server that is about to be killed.

    Every call is counted while in flight; a 200 is an acknowledgement. An error answered by the server
    (ClientError), or a connection failure while it is still alive, is a bug: these calls must not fail.
    Connection errors after the kill are expected.
    """

    def __init__(self, kill_after):
        self.lock = threading.Lock()
        self.kill_after = kill_after
        self.enough = threading.Event()
        self.killed = threading.Event()
        self.acknowledged = []
        self.server_errors = []
        self.in_flight = 0
        self.in_flight_at_kill = None
        self.failed_after_kill = 0

    def call(self, key, fn):
        if self.killed.is_set():
            return
        with self.lock:
            self.in_flight += 1
        try:
            resp = fn()
        except ClientError as exc:
            with self.lock:
                self.server_errors.append((key, exc.response.get("Error")))
            return
        except Exception as exc:  # connection refused/reset: expected only once the server is gone
            with self.lock:  # kill() holds the lock until `killed` is set, so a kill-caused error sees it set
                if self.killed.is_set():
                    self.failed_after_kill += 1
                else:
                    self.server_errors.append((key, repr(exc)))
            return
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            if resp["ResponseMetadata"]["HTTPStatusCode"] != 200:
                self.server_errors.append((key, resp["ResponseMetadata"]))
                return
            self.acknowledged.append((key, resp))
            if len(self.acknowledged) >= self.kill_after:
                self.enough.set()

    def kill(self, server, timeout=120):
        reached = self.enough.wait(timeout=timeout)
        with self.lock:  # nobody can finish a call between this count and the kill
            self.in_flight_at_kill = self.in_flight
            server.kill9()
            self.killed.set()
        return reached

    def check(self):
        assert not self.server_errors, f"the server failed calls before the kill: {self.server_errors[:5]}"
        assert self.in_flight_at_kill, "no call was in flight at the kill: the test proved nothing"


def test_acknowledged_creates_survive_kill9(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = server_factory(data_dir)
    idp = make_client(server.url, read_timeout=30)
    pool = idp.create_user_pool(PoolName=uniq("durable"))["UserPool"]["Id"]

    tag = uuid.uuid4().hex[:8]
    usernames = [f"u{i:03d}-{tag}" for i in range(TOTAL_CREATES)]
    flight = Flight(KILL_AFTER)

    def create(username):
        flight.call(username, lambda: idp.admin_create_user(
            UserPoolId=pool, Username=username, TemporaryPassword=TEMP_PASSWORD, MessageAction="SUPPRESS",
            UserAttributes=attr_list({"email": f"{username}@example.com"}),
        ))

    with ThreadPoolExecutor(max_workers=WORKERS) as pool_executor:
        for username in usernames:
            pool_executor.submit(create, username)
        reached = flight.kill(server)
    acked = {username: attrs(resp["User"])["sub"] for username, resp in flight.acknowledged}
    assert reached, f"only {len(acked)} creates were acknowledged before the kill; stderr:\n{server.stderr()}"
    flight.check()
    assert len(acked) < TOTAL_CREATES, "every create finished before the kill"

    restarted = server_factory(data_dir)
    idp2 = make_client(restarted.url)
    missing, wrong = [], []
    for username, sub in acked.items():
        try:
            user = idp2.admin_get_user(UserPoolId=pool, Username=username)
        except idp2.exceptions.UserNotFoundException:
            missing.append(username)
            continue
        a = attrs(user)
        if a.get("sub") != sub or a.get("email") != f"{username}@example.com" \
                or user["UserStatus"] != "FORCE_CHANGE_PASSWORD":
            wrong.append((username, user))
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged users were lost: {missing[:10]}"
    assert not wrong, wrong[:3]

    # Whatever else made it to disk is whole: every listed user is readable and complete.
    listed = []
    for page in idp2.get_paginator("list_users").paginate(UserPoolId=pool):
        listed += page["Users"]
    names = [u["Username"] for u in listed]
    assert len(names) == len(set(names)), "a user is listed twice after recovery"
    assert set(acked) <= set(names)
    assert len(listed) <= TOTAL_CREATES
    for user in listed:
        assert user["Username"] in usernames
        assert "sub" in attrs(user) and attrs(user)["email"] == f"{user['Username']}@example.com"
        # Readable by name and by sub, i.e. the lookup entries were written together with the row.
        assert idp2.admin_get_user(UserPoolId=pool, Username=attrs(user)["sub"])["Username"] == user["Username"]
    assert idp2.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == len(listed)

    # And the restarted server keeps accepting writes, including the names whose create was cut off.
    for username in sorted(set(usernames) - set(names))[:3]:
        idp2.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    idp2.admin_create_user(UserPoolId=pool, Username=uniq("after"), MessageAction="SUPPRESS")


def test_acknowledged_updates_and_deletes_survive_kill9(server_factory, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = server_factory(data_dir)
    idp = make_client(server.url, read_timeout=30)
    pool = idp.create_user_pool(PoolName=uniq("durable-upd"), AliasAttributes=["email"])["UserPool"]["Id"]
    group = uniq("grp")
    idp.create_group(UserPoolId=pool, GroupName=group)
    tag = uuid.uuid4().hex[:8]
    usernames = [f"v{i:03d}-{tag}" for i in range(UPDATE_USERS)]
    idp.admin_create_user(UserPoolId=pool, Username=usernames[0], MessageAction="SUPPRESS")
    with ThreadPoolExecutor(max_workers=WORKERS) as ex:  # set up the rest quickly
        list(ex.map(lambda u: idp.admin_create_user(UserPoolId=pool, Username=u, MessageAction="SUPPRESS"),
                    usernames[1:]))

    # Each user gets exactly one kind of change, so every acknowledged change can be checked on its own.
    def change(i, username):
        kind = ("update", "delete", "join", "disable")[i % 4]
        if kind == "update":
            fn = lambda: idp.admin_update_user_attributes(  # noqa: E731
                UserPoolId=pool, Username=username,
                UserAttributes=attr_list({"email": f"{username}@example.com", "email_verified": "true",
                                          "name": f"updated {username}"}))
        elif kind == "delete":
            fn = lambda: idp.admin_delete_user(UserPoolId=pool, Username=username)  # noqa: E731
        elif kind == "join":
            fn = lambda: idp.admin_add_user_to_group(  # noqa: E731
                UserPoolId=pool, Username=username, GroupName=group)
        else:
            fn = lambda: idp.admin_disable_user(UserPoolId=pool, Username=username)  # noqa: E731
        flight.call((kind, username), fn)

    flight = Flight(KILL_AFTER)
    with ThreadPoolExecutor(max_workers=WORKERS) as ex:
        for i, username in enumerate(usernames):
            ex.submit(change, i, username)
        reached = flight.kill(server)
    assert reached, f"only {len(flight.acknowledged)} changes were acknowledged; stderr:\n{server.stderr()}"
    flight.check()

    restarted = server_factory(data_dir)
    idp2 = make_client(restarted.url)
    members = set()
    for page in idp2.get_paginator("list_users_in_group").paginate(UserPoolId=pool, GroupName=group):
        members |= {u["Username"] for u in page["Users"]}
    lost = []
    for (kind, username), _ in flight.acknowledged:
        if kind == "delete":
            try:
                idp2.admin_get_user(UserPoolId=pool, Username=username)
                lost.append((kind, username))
            except idp2.exceptions.UserNotFoundException:
                pass
            continue
        user = idp2.admin_get_user(UserPoolId=pool, Username=username)
        a = attrs(user)
        ok = {
            "update": a.get("name") == f"updated {username}" and a.get("email") == f"{username}@example.com"
            and idp2.admin_get_user(UserPoolId=pool, Username=f"{username}@example.com")["Username"] == username,
            "join": username in members,
            "disable": user["Enabled"] is False,
        }[kind]
        if not ok:
            lost.append((kind, username, user))
    assert not lost, f"{len(lost)} acknowledged changes were lost: {lost[:5]}"

    # Nothing is half-applied: every remaining user is readable, and the group lists only live users.
    listed = []
    for page in idp2.get_paginator("list_users").paginate(UserPoolId=pool):
        listed += [u["Username"] for u in page["Users"]]
    assert len(listed) == len(set(listed))
    assert members <= set(listed)
    assert idp2.describe_user_pool(UserPoolId=pool)["UserPool"]["EstimatedNumberOfUsers"] == len(listed)


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

    # Deletions must survive the restart as well.
    gone_user = idp.admin_create_user(UserPoolId=pool["Id"], Username=uniq("gone"), MessageAction="SUPPRESS",
                                      UserAttributes=attr_list({"email": unique_email("gone"),
                                                                "email_verified": "true"}))["User"]
    idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=gone_user["Username"], GroupName=group)
    idp.admin_delete_user(UserPoolId=pool["Id"], Username=gone_user["Username"])
    gone_group = uniq("gone-group")
    idp.create_group(UserPoolId=pool["Id"], GroupName=gone_group)
    idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=user["Username"], GroupName=gone_group)
    idp.delete_group(UserPoolId=pool["Id"], GroupName=gone_group)
    gone_client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName=uniq("gone"))["UserPoolClient"]
    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=gone_client["ClientId"])
    gone_pool = idp.create_user_pool(PoolName=uniq("gone-pool"))["UserPool"]["Id"]
    idp.delete_user_pool(UserPoolId=gone_pool)
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

    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=pool["Id"], Username=gone_user["Username"])
    with pytest.raises(idp.exceptions.UserNotFoundException):  # nor by its former alias
        idp.admin_get_user(UserPoolId=pool["Id"], Username=attrs(gone_user)["email"])
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=pool["Id"], GroupName=group)["Users"]] \
        == [user["Username"]]
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_group(UserPoolId=pool["Id"], GroupName=gone_group)
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=gone_client["ClientId"])
    assert [c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=10)[
        "UserPoolClients"]] == [client["ClientId"]]
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool(UserPoolId=gone_pool)
    assert gone_pool not in {p["Id"] for p in listed}
