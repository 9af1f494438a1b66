#!/usr/bin/env python3
"""Regenerate crates/api/src/dispatch.rs: one match arm per operation, calling the `Idp`
method of the same (snake_case) name when it exists, else answering
UnsupportedOperationException. Run after adding an operation to the domain, then `cargo fmt`."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def snake(n):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", n)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def main():
    model = json.load(open(os.path.join(ROOT, "crates/wire/model/cognito-idp.json")))
    ops = sorted(model["operations"])
    src_dir = os.path.join(ROOT, "crates/idp/src")
    text = "".join(open(os.path.join(src_dir, f)).read() for f in os.listdir(src_dir) if f.endswith(".rs"))
    methods = set(re.findall(r"pub async fn (\w+)\(\s*&self,\s*req: \w+Request,?\s*\)", text))
    done = [o for o in ops if snake(o) in methods]
    todo = [o for o in ops if snake(o) not in methods]
    arms = "\n".join("        Op::%s => run!(%s)," % (o, snake(o)) for o in done)
    unsupported = "        Op::" + "\n        | Op::".join(todo)
    template = open(os.path.join(ROOT, "tools/dispatch.rs.in")).read()
    out = template.replace("ARMS", arms).replace("UNSUPPORTED", unsupported)
    open(os.path.join(ROOT, "crates/api/src/dispatch.rs"), "w").write(out)
    print("%d operations implemented, %d answer UnsupportedOperationException" % (len(done), len(todo)))


if __name__ == "__main__":
    main()
