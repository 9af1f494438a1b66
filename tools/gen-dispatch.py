#!/usr/bin/env python3
"""Regenerate crates/api/src/dispatch.rs: one match arm per operation, calling the method of
the same (snake_case) name on the domain service that has it (`Idp` in crates/idp, `OAuth` in
crates/oauth, `Federation` in crates/federation), else answering UnsupportedOperationException. Run after adding an operation to
a domain crate, then `cargo fmt`."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def snake(n):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", n)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


# (field of `Services`, crate directory) for every domain service with API operations.
SERVICES = [("idp", "crates/idp/src"), ("oauth", "crates/oauth/src"), ("federation", "crates/federation/src")]


def methods_of(src_dir):
    """The `pub async fn name(&self, req: XRequest)` methods defined anywhere under `src_dir`."""
    text = ""
    for base, _, files in os.walk(os.path.join(ROOT, src_dir)):
        text += "".join(open(os.path.join(base, f)).read() for f in files if f.endswith(".rs"))
    return set(re.findall(r"pub async fn (\w+)\(\s*&self,\s*req: \w+Request,?\s*\)", text))


def main():
    model = json.load(open(os.path.join(ROOT, "crates/wire/model/cognito-idp.json")))
    ops = sorted(model["operations"])
    services = {service: methods_of(crate) for service, crate in SERVICES}
    owner = {}
    for service, methods in services.items():
        for method in methods:
            if method in owner:
                raise SystemExit("%s is defined by both %s and %s" % (method, owner[method], service))
            owner[method] = service
    done = [o for o in ops if snake(o) in owner]
    todo = [o for o in ops if snake(o) not in owner]
    arms = "\n".join("        Op::%s => run!(%s, %s)," % (o, owner[snake(o)], snake(o)) for o in done)
    unsupported = "        Op::" + "\n        | Op::".join(todo)
    template = open(os.path.join(ROOT, "tools/dispatch.rs.in")).read()
    out = template.replace("ARMS", arms).replace("UNSUPPORTED", unsupported)
    open(os.path.join(ROOT, "crates/api/src/dispatch.rs"), "w").write(out)
    print("%d operations implemented, %d answer UnsupportedOperationException" % (len(done), len(todo)))


if __name__ == "__main__":
    main()
