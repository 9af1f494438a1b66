#!/usr/bin/env python3
"""Generate Cognate's wire layer from botocore's service model.

Writes, for each service:
  crates/wire/model/<service>.json      compact model (operations, shapes, constraints) that the
                                        runtime validator reads
  crates/wire/src/<module>/types.rs     serde structs for every structure shape

Usage: python3 tools/gen-wire.py   (needs `pip install botocore==1.44.5`, the pinned version;
to move to a newer model, change BOTOCORE_VERSION here, in tests/e2e/requirements.txt, and rerun)
"""
import gzip
import json
import os
import re

import botocore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The model Cognate is generated from. The generated files are committed, so this only matters
# when regenerating; a different botocore would silently produce a different API.
BOTOCORE_VERSION = "1.44.5"
SERVICES = [("cognito-idp", "2016-04-18", "idp"), ("cognito-identity", "2014-06-30", "identity")]
# Where botocore's pattern is stricter than the live service's documented behaviour. Each entry
# names its reason; everything else comes from the model unchanged.
PATTERN_OVERRIDES = {
    # Cognito counts "a non-leading, non-trailing space" as a password symbol; the model's
    # `[\S]+` would refuse such passwords.
    "PasswordType": r"[\S]+(.*[\S]+)?",
    # A custom domain (CreateUserPoolDomain with CustomDomainConfig) is a full host name such
    # as auth.example.com, which the service accepts; the model's pattern is a prefix's.
    "DomainType": r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?)*$",
}
# Where botocore's length limit is a prefix domain's and the service takes a host name.
MAX_OVERRIDES = {"DomainType": 253}
# Members whose values Cognate accepts beyond botocore's pattern, each with its reason.
# Trigger settings take an http(s) URL or a bare function name as well as a Lambda ARN:
# Cognate can POST events to a URL or invoke a function by name through a Lambda endpoint.
TRIGGER_FUNCTION = "TriggerFunctionType"
SYNTHETIC_SHAPES = {
    TRIGGER_FUNCTION: {
        "type": "string", "min": 1, "max": 2048,
        "pattern": r"(arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?)"
                   r"|(https?://[^\s]+)|([\w.-]+(:[\w$-]+)?)",
    },
}
TRIGGER_CONFIG_SHAPES = ["PreTokenGenerationVersionConfigType", "CustomSMSLambdaVersionConfigType",
                         "CustomEmailLambdaVersionConfigType", "InboundFederationLambdaType"]
KEYWORDS = {"type", "match", "ref", "self", "use", "mod", "fn", "struct", "enum", "impl", "loop",
            "move", "where", "async", "await", "dyn", "static", "const", "crate", "super", "trait"}


def load(service, version):
    d = os.path.join(os.path.dirname(botocore.__file__), "data", service, version)
    with gzip.open(os.path.join(d, "service-2.json.gz")) as f:
        return json.load(f)


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return "r#" + s if s in KEYWORDS else s


def member_shape(structure, member, shape):
    """The shape a member is validated as: botocore's, or an override above."""
    if shape == "ArnType" and member != "KMSKeyID" and (
            structure == "LambdaConfigType" or structure in TRIGGER_CONFIG_SHAPES):
        return TRIGGER_FUNCTION
    return shape


def compact(model, service):
    ops = {}
    for name, op in model["operations"].items():
        ops[name] = {
            "input": op.get("input", {}).get("shape"),
            "output": op.get("output", {}).get("shape"),
            "public": op.get("auth") == ["smithy.api#noAuth"] or op.get("authtype") == "none",
        }
    shapes = {}
    for name, s in model["shapes"].items():
        c = {"type": "document" if s.get("document") else s["type"]}
        for k in ("min", "max", "pattern", "enum", "sensitive", "required", "exception"):
            if k in s:
                c[k] = s[k]
        if name in PATTERN_OVERRIDES:
            c["pattern"] = PATTERN_OVERRIDES[name]
        if name in MAX_OVERRIDES:
            c["max"] = MAX_OVERRIDES[name]
        if "members" in s:
            c["members"] = {m: member_shape(name, m, v["shape"]) for m, v in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                c[k] = s[k]["shape"]
        shapes[name] = c
    if service == "cognito-idp":
        shapes.update(SYNTHETIC_SHAPES)
    return {"metadata": {k: model["metadata"][k] for k in ("targetPrefix", "endpointPrefix")},
            "operations": ops, "shapes": shapes}


def rust_type(model, shape_name):
    s = model["shapes"][shape_name]
    t = s["type"]
    if s.get("document"):
        return "serde_json::Value"
    if t == "structure":
        return shape_name
    if t in ("string", "blob"):
        return "String"
    if t in ("integer", "long"):
        return "i64"
    if t == "boolean":
        return "bool"
    if t == "timestamp":
        return "f64"
    if t == "list":
        return "Vec<%s>" % rust_type(model, s["member"]["shape"])
    if t == "map":
        return "BTreeMap<String, %s>" % rust_type(model, s["value"]["shape"])
    raise ValueError(t)


def types_rs(model, service):
    out = [
        "//! Serde types for every structure of the `%s` API, generated by tools/gen-wire.py" % service,
        "//! from botocore's model. Do not edit by hand: rerun the generator.",
        "//!",
        "//! Every member is optional here; required members and constraints are enforced by",
        "//! [`crate::validate`] before a request is turned into these types.",
        "#![allow(clippy::all)]",
        "",
        "use serde::{Deserialize, Serialize};",
        "use std::collections::BTreeMap;",
        "",
    ]
    for name in sorted(model["shapes"]):
        s = model["shapes"][name]
        if s["type"] != "structure" or s.get("document") or s.get("exception"):
            continue
        out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]")
        out.append("#[serde(default)]")
        out.append("pub struct %s {" % name)
        for m, ref in s.get("members", {}).items():
            ty = rust_type(model, ref["shape"])
            if ty == name:
                ty = "Box<%s>" % ty
            out.append('    #[serde(rename = "%s", skip_serializing_if = "Option::is_none")]' % m)
            out.append("    pub %s: Option<%s>," % (snake(m), ty))
        out.append("}")
        out.append("")
    # Operations without an output shape still answer `{}`: give them an empty response type
    # so every operation has the same shape in code.
    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        if "output" not in op:
            out.append("/// `%s` has no output members; it answers `{}`." % op_name)
            out.append("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]")
            out.append("pub struct %sResponse {}" % op_name)
            out.append("")
    out += ops_enum(model)
    return "\n".join(out)


def ops_enum(model):
    names = sorted(model["operations"])
    out = ["/// Every operation of the API, so dispatch can be an exhaustive `match`.",
           "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]",
           "pub enum Op {"]
    out += ["    %s," % n for n in names]
    out += ["}", "", "impl Op {", "    pub const ALL: &'static [Op] = &[%s];" % ", ".join("Op::%s" % n for n in names), "",
            "    pub fn name(self) -> &'static str {", "        match self {"]
    out += ['            Op::%s => "%s",' % (n, n) for n in names]
    out += ["        }", "    }", "",
            "    pub fn from_name(name: &str) -> Option<Op> {", "        Some(match name {"]
    out += ['            "%s" => Op::%s,' % (n, n) for n in names]
    out += ["            _ => return None,", "        })", "    }", "}", ""]
    return out


def main():
    if botocore.__version__ != BOTOCORE_VERSION:
        raise SystemExit("tools/gen-wire.py is pinned to botocore %s; found %s (pip install botocore==%s)"
                         % (BOTOCORE_VERSION, botocore.__version__, BOTOCORE_VERSION))
    for service, version, module in SERVICES:
        model = load(service, version)
        os.makedirs(os.path.join(ROOT, "crates/wire/model"), exist_ok=True)
        with open(os.path.join(ROOT, "crates/wire/model/%s.json" % service), "w") as f:
            json.dump(compact(model, service), f, separators=(",", ":"))
            f.write("\n")
        os.makedirs(os.path.join(ROOT, "crates/wire/src", module), exist_ok=True)
        with open(os.path.join(ROOT, "crates/wire/src/%s/types.rs" % module), "w") as f:
            f.write(types_rs(model, service))
            f.write("\n")


if __name__ == "__main__":
    main()
