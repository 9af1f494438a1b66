#!/usr/bin/env python3
"""Generate docs/support-matrix.md: which Cognito operations and triggers Cognate implements.

Sources, so the page cannot drift from the code:
  - crates/wire/model/cognito-idp.json, crates/wire/model/cognito-identity.json: every
    operation of the two APIs and whether it is public (no SigV4) or IAM-authenticated;
  - crates/api/src/dispatch.rs (written by tools/gen-dispatch.py): an operation is implemented
    iff it has a `run!(...)` arm there; every other operation answers
    UnsupportedOperationException; crates/api/src/identity.rs likewise for the identity-pool API
    (hand-written: `run!(method)` arms).
  - TRIGGERS and AREAS below: what the code cannot tell (the trigger list, and which piece of
    work will bring each missing operation).

    python3 tools/gen-support-matrix.py           # rewrite docs/support-matrix.md
    python3 tools/gen-support-matrix.py --check   # exit 1 if docs/support-matrix.md is stale

Both also exit 1 when README.md's count of implemented operations differs from dispatch.rs.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDP_MODEL = ROOT / "crates/wire/model/cognito-idp.json"
IDENTITY_MODEL = ROOT / "crates/wire/model/cognito-identity.json"
DISPATCH = ROOT / "crates/api/src/dispatch.rs"
IDENTITY_DISPATCH = ROOT / "crates/api/src/identity.rs"
OUTPUT = ROOT / "docs/support-matrix.md"
README = ROOT / "README.md"
# The README states the count in its "What works today" section; it is checked, not written.
README_COUNT = re.compile(r"\*\*(\d+) of them are implemented\*\*")

HOSTED_UI = "hosted UI and OAuth"
FEDERATION = "federation"
OPERATIONS = "operations"
PASSKEYS = "passkeys, USER_AUTH and threat protection"
REPLICAS = "not planned (multi-region replicas)"
IDENTITY_POOLS = "identity pools"

# The piece of work that will bring each missing user-pool operation: the first pattern that
# matches the operation's name wins. A missing operation that matches none stops the generator,
# so a new botocore operation gets classified on purpose.
AREAS = [
    (r"UserPoolDomain$|ResourceServers?$|UICustomization$|ManagedLoginBranding|^GetClientToken$"
     r"|^GetDerivedToken$|UserSessions?$|SessionConfiguration$", HOSTED_UI),
    (r"IdentityProviders?$|IdentityProviderByIdentifier$|^AdminLinkProviderForUser$"
     r"|^AdminDisableProviderForUser$", FEDERATION),
    (r"UserImportJobs?$|ProvisionedLimit$|LogDeliveryConfiguration$", OPERATIONS),
    (r"WebAuthn|RiskConfiguration$|AuthEvents?|Terms|^AdminDeleteSoftwareToken$|AuthFactors$", PASSKEYS),
    (r"UserPoolReplicas?$", REPLICAS),
]

# (trigger, LambdaConfig member, trigger sources or versions, implemented, note)
TRIGGERS = [
    ("Pre sign-up", "PreSignUp", "PreSignUp_SignUp, PreSignUp_AdminCreateUser", True, ""),
    ("Post confirmation", "PostConfirmation",
     "PostConfirmation_ConfirmSignUp, PostConfirmation_ConfirmForgotPassword", True, ""),
    ("Pre authentication", "PreAuthentication", "PreAuthentication_Authentication", True, ""),
    ("Post authentication", "PostAuthentication", "PostAuthentication_Authentication", True, ""),
    ("Pre token generation", "PreTokenGeneration / PreTokenGenerationConfig", "V1_0, V2_0, V3_0", True, ""),
    ("Custom message", "CustomMessage", "CustomMessage_*", True, ""),
    ("Define auth challenge", "DefineAuthChallenge", "DefineAuthChallenge_Authentication", True, "CUSTOM_AUTH"),
    ("Create auth challenge", "CreateAuthChallenge", "CreateAuthChallenge_Authentication", True, "CUSTOM_AUTH"),
    ("Verify auth challenge response", "VerifyAuthChallengeResponse",
     "VerifyAuthChallengeResponse_Authentication", True, "CUSTOM_AUTH"),
    ("User migration", "UserMigration", "UserMigration_Authentication, UserMigration_ForgotPassword", True, ""),
    ("Custom email sender", "CustomEmailSender", "CustomEmailSender_*", True,
     "codes encrypted under `--custom-sender-key`"),
    ("Custom SMS sender", "CustomSMSSender", "CustomSMSSender_*", True,
     "codes encrypted under `--custom-sender-key`"),
    ("Inbound federation", "InboundFederation", "", False, "comes with federation"),
]


def load_operations(path):
    return json.loads(path.read_text())["operations"]


def implemented_operations(dispatch_text):
    return set(re.findall(r"Op::(\w+)\s*=>\s*run!\(", dispatch_text))


def unsupported_operations(dispatch_text):
    """The operations of the arm that answers UnsupportedOperationException."""
    arm = re.search(r"((?:\|?\s*Op::\w+\s*)+)=>\s*Err\(ApiError::new\(\s*\"UnsupportedOperationException\"",
                    dispatch_text)
    return set(re.findall(r"Op::(\w+)", arm.group(1))) if arm else set()


def area_of(op):
    for pattern, area in AREAS:
        if re.search(pattern, op):
            return area
    raise SystemExit(f"gen-support-matrix: classify the missing operation {op} in AREAS "
                     f"(tools/gen-support-matrix.py)")


def check_dispatch(ops, done, missing):
    """Every modelled operation is exactly one of implemented or unsupported in dispatch.rs."""
    problems = []
    for op in sorted(ops):
        if (op in done) == (op in missing):
            problems.append(f"{op} is {'both' if op in done else 'neither'} implemented and unsupported")
    for op in sorted((done | missing) - set(ops)):
        problems.append(f"{op} is in dispatch.rs but not in the model")
    if problems:
        raise SystemExit("gen-support-matrix: crates/api/src/dispatch.rs disagrees with the model:\n  "
                         + "\n  ".join(problems))


def auth_of(spec):
    return "public" if spec["public"] else "SigV4"


def idp_table(ops, done):
    rows = ["| operation | implemented | auth | comes with |", "|---|---|---|---|"]
    for op in sorted(ops):
        if op in done:
            rows.append(f"| {op} | yes | {auth_of(ops[op])} | |")
        else:
            rows.append(f"| {op} | not yet | {auth_of(ops[op])} | {area_of(op)} |")
    return rows


def identity_implemented(ops):
    """The identity-pool operations with a `run!(...)` arm in crates/api/src/identity.rs."""
    done = set(re.findall(r"Op::(\w+) => run!\(", IDENTITY_DISPATCH.read_text()))
    stray = sorted(done - set(ops))
    if stray:
        raise SystemExit(f"gen-support-matrix: crates/api/src/identity.rs dispatches unknown operations: {stray}")
    return done


def identity_table(ops, done):
    rows = ["| operation | implemented | auth |", "|---|---|---|"]
    rows += [f"| {op} | {'yes' if op in done else 'not yet'} | {auth_of(ops[op])} |" for op in sorted(ops)]
    return rows


def area_summary(ops, done):
    counts = {}
    for op in ops:
        if op not in done:
            area = area_of(op)
            counts[area] = counts.get(area, 0) + 1
    rows = ["| area | missing operations |", "|---|---|"]
    order = [area for _, area in AREAS]
    rows += [f"| {area} | {counts[area]} |" for area in order if area in counts]
    return rows


def trigger_table():
    rows = ["| trigger | `LambdaConfig` member | trigger sources / versions | implemented | note |",
            "|---|---|---|---|---|"]
    for name, member, sources, implemented, note in TRIGGERS:
        rows.append(f"| {name} | {member} | {sources} | {'yes' if implemented else 'not yet'} | {note} |")
    return rows


def readme_problem(n_done):
    """A message when README.md's count of implemented operations is not `n_done`."""
    found = README_COUNT.search(README.read_text())
    if found is None:
        return "README.md no longer says how many operations are implemented (**N of them are implemented**)"
    if int(found.group(1)) != n_done:
        return f"README.md says {found.group(1)} operations are implemented; dispatch.rs has {n_done}: update it"
    return None


def implemented(idp_ops):
    """The implemented user-pool operations, after checking dispatch.rs against the model."""
    dispatch_text = DISPATCH.read_text()
    done = implemented_operations(dispatch_text)
    check_dispatch(idp_ops, done, unsupported_operations(dispatch_text))
    return done


def render(idp_ops, done):
    identity_ops = load_operations(IDENTITY_MODEL)
    identity_done = identity_implemented(identity_ops)
    n_done = len(done)
    lines = [
        "# Support matrix",
        "",
        "<!-- Generated by tools/gen-support-matrix.py from crates/wire/model/*.json and",
        "     crates/api/src/dispatch.rs; do not edit by hand, run the script. -->",
        "",
        f"Cognate models {len(idp_ops)} user-pool (`cognito-idp`) operations and {len(identity_ops)} "
        "identity-pool (`cognito-identity`) operations from botocore 1.44.5. "
        f"**{n_done} of the {len(idp_ops)} user-pool operations are implemented**; every other "
        "operation is still validated against the model and answers `UnsupportedOperationException` "
        "(`Cognate does not implement <Operation> yet.`).",
        "",
        "*auth*: `SigV4` operations are signed with the admin credentials (IAM-authenticated on "
        "Cognito); `public` operations are called without credentials, by an app client id or a "
        "user's access token or session.",
        "",
        "## User pools (`cognito-idp`)",
        "",
        f"{n_done} implemented, {len(idp_ops) - n_done} not yet.",
        "",
        *area_summary(idp_ops, done),
        "",
        *idp_table(idp_ops, done),
        "",
        "## Identity pools (`cognito-identity`)",
        "",
        f"{len(identity_done)} of the {len(identity_ops)} operations are implemented (crate "
        "`cognate-identity`), with Cognate's STS and IAM query APIs on the same listener.",
        "",
        *identity_table(identity_ops, identity_done),
        "",
        "## Lambda triggers",
        "",
        "A pool's `LambdaConfig` names each trigger as on Cognito: an `http(s)://` URL that receives "
        "the event as a JSON POST, or a function ARN or name invoked through the Lambda Invoke API "
        "at `--lambda-endpoint`.",
        "",
        *trigger_table(),
        "",
    ]
    return "\n".join(lines)


def main(argv):
    if argv not in ([], ["--check"]):
        raise SystemExit("usage: gen-support-matrix.py [--check]")
    idp_ops = load_operations(IDP_MODEL)
    done = implemented(idp_ops)
    text = render(idp_ops, done)
    problem = readme_problem(len(done))
    if argv == ["--check"]:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print("docs/support-matrix.md is stale: run `python3 tools/gen-support-matrix.py` and commit it",
                  file=sys.stderr)
            return 1
    else:
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    if problem:
        print(f"gen-support-matrix: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
