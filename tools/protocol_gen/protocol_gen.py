#!/usr/bin/env python3
"""Generates kafka-do's Kafka wire codec from the Apache Kafka JSON message schemas.

Reads third_party/kafka-protocol/messages/*.json (JSON with // comments) and writes:
  src/protocol/gen/<api>.hpp/.cpp       one pair per API (request + response structs and codecs)
  src/protocol/gen/api_keys.hpp         the ApiKey enum and the registry table
  src/protocol/gen/messages.hpp         every message header, and ApiMessages<ApiKey> to map a key
                                        to its request and response types
  tests/protocol/gen/<api>_roundtrip_test.cpp   round-trip tests at every version

Usage:
  python3 tools/protocol_gen/protocol_gen.py            regenerate in place
  python3 tools/protocol_gen/protocol_gen.py --check    generate into a temporary directory and
                                                        diff against the checked-in files
Python 3 standard library only. The output is already clang-format clean (the repository's
.clang-format), so `make format` leaves it alone and the --check diff needs no clang-format.
"""

import argparse
import difflib
import filecmp
import json
import os
import re
import sys
import tempfile
import textwrap
import zlib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA_DIR = "third_party/kafka-protocol/messages"
SRC_GEN_DIR = "src/protocol/gen"
TEST_GEN_DIR = "tests/protocol/gen"
GENERATOR = "tools/protocol_gen/protocol_gen.py"

# The APIs kafka-do implements, by schema name (request and response files share the prefix).
APIS = [
    "Produce", "Fetch", "ListOffsets", "Metadata", "OffsetCommit", "OffsetFetch",
    "FindCoordinator", "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup", "DescribeGroups",
    "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics", "DeleteTopics", "DeleteRecords",
    "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "TxnOffsetCommit",
    "DescribeConfigs", "AlterConfigs", "SaslAuthenticate", "CreatePartitions", "DeleteGroups",
    "IncrementalAlterConfigs", "OffsetDelete", "DescribeCluster", "DescribeTransactions",
    "ListTransactions", "DescribeAcls", "CreateAcls", "DeleteAcls",
]
# Messages outside any API: the frame headers and the consumer-protocol payloads carried as
# opaque bytes inside JoinGroup/SyncGroup.
STANDALONE = ["RequestHeader", "ResponseHeader", "ConsumerProtocolSubscription",
              "ConsumerProtocolAssignment"]

COLUMNS = 100
INT_TYPES = {"int8": ("int8_t", 1), "int16": ("int16_t", 2), "uint16": ("uint16_t", 2),
             "int32": ("int32_t", 4), "uint32": ("uint32_t", 4), "int64": ("int64_t", 8)}
CPP_KEYWORDS = {"default", "delete", "new", "class", "template", "operator", "register", "union",
                "namespace", "export", "signed", "unsigned", "private", "public", "protected",
                "this", "throw", "try", "catch", "switch", "case", "do", "for", "while", "if",
                "else", "return", "static", "struct", "typename", "using", "virtual", "const",
                "auto", "bool", "char", "int", "long", "short", "float", "double", "void",
                "friend", "inline", "mutable", "explicit", "enum", "goto", "break", "continue"}
RESERVED_MEMBERS = {"encode", "decode", "can_encode", "decode_tagged_field", "kMinSize"}
RESERVED_ROOT_MEMBERS = {"api_key", "lowest_version", "highest_version", "is_flexible"}


class SchemaError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Schema reading


def strip_comments(text):
    """Removes // comments (outside string literals) from JSON-with-comments text."""
    out = []
    for line in text.split("\n"):
        in_string = False
        escaped = False
        cut = len(line)
        for i, c in enumerate(line):
            if in_string:
                if escaped:
                    escaped = False
                elif c == "\\":
                    escaped = True
                elif c == '"':
                    in_string = False
            elif c == '"':
                in_string = True
            elif c == "/" and line[i + 1:i + 2] == "/":
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


class Versions:
    """An inclusive version range parsed from "3+", "0-7", "5" or "none"."""

    def __init__(self, spec):
        spec = str(spec).strip()
        self.spec = spec
        if spec == "none":
            self.lo, self.hi = 1, 0  # empty
        elif spec.endswith("+"):
            self.lo, self.hi = int(spec[:-1]), 0x7FFF
        elif "-" in spec:
            a, b = spec.split("-")
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(spec)

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def cond(self, lo, hi, var="version"):
        """A C++ condition for `var` in this range, given that var is known to be in [lo, hi]."""
        a, b = max(self.lo, lo), min(self.hi, hi)
        if a > b:
            return "false"
        parts = []
        if a > lo:
            parts.append(f"{var} >= {a}")
        if b < hi:
            parts.append(f"{var} <= {b}")
        return " && ".join(parts) if parts else "true"


def snake_case(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = s.lower()
    return s + "_" if s in CPP_KEYWORDS else s


class Field:
    def __init__(self, spec, message, owner):
        self.spec = spec
        self.name = spec["name"]
        self.member = snake_case(self.name)
        self.about = spec.get("about", "")
        self.type = spec["type"]
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.versions = Versions(spec["versions"])
        self.nullable = Versions(spec.get("nullableVersions", "none"))
        self.tagged = Versions(spec.get("taggedVersions", "none"))
        self.tag = spec.get("tag")
        self.ignorable = bool(spec.get("ignorable", False))
        self.default = spec.get("default")
        self.flexible_override = (Versions(spec["flexibleVersions"])
                                  if "flexibleVersions" in spec else None)
        self.struct = None  # StructDef for struct and array-of-struct fields
        if self.tag is not None and self.tagged.empty():
            raise SchemaError(f"{message.name}.{self.name}: tag without taggedVersions")
        if self.elem not in INT_TYPES and self.elem not in (
                "bool", "float64", "string", "bytes", "uuid", "records"):
            self.struct = message.struct_for(self, owner)
        if self.is_array and self.elem in ("bytes", "records", "bool", "float64", "uint16",
                                           "uint32"):
            raise SchemaError(f"{message.name}.{self.name}: arrays of {self.elem} unsupported")
        if self.struct is not None and not self.is_array and not self.nullable.empty():
            raise SchemaError(f"{message.name}.{self.name}: nullable structs unsupported")

    # -- C++ type and default --

    def elem_cpp(self):
        if self.struct is not None:
            return self.struct.name
        if self.elem in INT_TYPES:
            return INT_TYPES[self.elem][0]
        return {"bool": "bool", "float64": "double", "string": "std::string",
                "bytes": "std::string", "uuid": "Uuid"}[self.elem]

    def is_optional(self):
        if self.elem == "records" and not self.is_array:
            return True
        return not self.nullable.empty()

    def cpp_type(self):
        if self.is_array:
            t = f"std::vector<{self.elem_cpp()}>"
            return f"std::optional<{t}>" if self.is_optional() else t
        if self.elem in ("string", "bytes", "records") and self.is_optional():
            return "std::optional<std::string>"
        return self.elem_cpp()

    def default_is_null(self):
        if self.elem == "records" and not self.is_array:
            return True
        return self.is_optional() and str(self.default) == "null"

    def default_literal(self):
        """The C++ expression of the default value, or None for a value-initialised member."""
        d = self.default
        if self.is_array:
            if self.is_optional() and not self.default_is_null():
                return f"std::vector<{self.elem_cpp()}>{{}}"
            return None
        if self.struct is not None:
            return None
        if self.elem in INT_TYPES:
            v = int(str(d), 0) if d is not None and str(d) != "" else 0
            return int_literal(v, self.elem)
        if self.elem == "bool":
            return "true" if str(d).lower() == "true" else "false"
        if self.elem == "float64":
            return repr(float(d)) if d is not None else "0.0"
        if self.elem in ("string", "bytes"):
            if self.default_is_null():
                return None
            text = "" if d is None else str(d)
            if self.is_optional() or text:
                return cpp_string(text)
            return None
        if self.elem == "uuid" or self.elem == "records":
            return None
        raise SchemaError(f"no default for {self.name}")

    def default_value_expr(self):
        lit = self.default_literal()
        if self.elem in INT_TYPES or self.elem in ("bool", "float64"):
            if not self.is_array:
                return lit
        t = self.cpp_type()
        return f"{t}()" if lit is None else f"{t}({lit})"

    def non_default_cond(self, ref):
        """A C++ condition that is true when `ref` differs from the field's default."""
        if not self.is_array and self.elem == "bool":
            return f"!{ref}" if self.default_literal() == "true" else ref
        if not self.is_array and (self.elem in INT_TYPES or self.elem == "float64"):
            return f"{ref} != {self.default_literal()}"
        if self.is_array and not self.is_optional():
            return f"!{ref}.empty()"
        if self.elem in ("string", "bytes") and not self.is_array and not self.is_optional():
            lit = self.default_literal()
            return f"!{ref}.empty()" if lit is None else f"{ref} != {lit}"
        if self.default_is_null():
            return f"{ref}.has_value()"
        if self.is_optional() and (self.is_array or self.default_literal() == '""'):
            return f"(!{ref} || !{ref}->empty())"
        if self.is_optional():
            return f"{ref} != {self.default_literal()}"
        return f"{ref} != {self.default_value_expr()}"

    def min_size(self, version, flexible):
        """Fewest bytes this field takes on the wire at `version` (0 when absent or tagged)."""
        if not self.versions.contains(version) or self.tagged.contains(version):
            return 0
        if self.is_array or self.elem in ("string", "bytes", "records"):
            compact = flexible if self.flexible_override is None else \
                self.flexible_override.contains(version)
            if compact:
                return 1
            return 2 if self.elem == "string" and not self.is_array else 4
        if self.struct is not None:
            return self.struct.min_size_at(version)
        if self.elem in INT_TYPES:
            return INT_TYPES[self.elem][1]
        return {"bool": 1, "float64": 8, "uuid": 16}[self.elem]


def int_literal(v, elem):
    if elem == "int32" and v == -(2**31):
        return "INT32_MIN"
    if elem == "int64" and v == -(2**63):
        return "INT64_MIN"
    return str(v)


def cpp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class StructDef:
    def __init__(self, name, about, field_specs, message):
        self.name = name
        self.about = about
        self.message = message
        self.fields = [Field(f, message, self) for f in field_specs]
        members = set()
        for f in self.fields:
            reserved = RESERVED_MEMBERS | (RESERVED_ROOT_MEMBERS if name == message.name else set())
            if f.member in members or f.member in reserved:
                raise SchemaError(f"{message.name}.{name}: member name clash on {f.member}")
            members.add(f.member)
        tags = [f.tag for f in self.fields if f.tag is not None]
        if len(tags) != len(set(tags)):
            raise SchemaError(f"{message.name}.{name}: duplicate tag")

    def versions(self):
        return range(self.lo, self.hi + 1)

    def min_size_at(self, v):
        flexible = self.message.flexible.contains(v)
        return sum(f.min_size(v, flexible) for f in self.fields) + (1 if flexible else 0)

    def min_size(self):
        return min(self.min_size_at(v) for v in self.versions())

    def tagged_fields(self):
        return sorted((f for f in self.fields if f.tag is not None), key=lambda f: f.tag)


class Message:
    def __init__(self, path):
        self.file = os.path.basename(path)
        with open(path, encoding="utf-8") as fp:
            spec = json.loads(strip_comments(fp.read()))
        self.spec = spec
        self.name = spec["name"]
        self.kind = spec["type"]
        self.api_key = spec.get("apiKey")
        self.valid = Versions(spec["validVersions"])
        self.lo, self.hi = self.valid.lo, self.valid.hi
        self.flexible = Versions(spec["flexibleVersions"])
        self.unstable_latest = bool(spec.get("latestVersionUnstable", False))
        self.common = {c["name"]: c for c in spec.get("commonStructs", [])}
        self.structs = []  # nested structs in declaration order (dependencies first)
        self.struct_names = {}
        self.root = StructDef(self.name, "", spec["fields"], self)
        self.compute_reach(self.root, self.lo, self.hi)
        for st in self.structs:
            if not hasattr(st, "lo"):
                st.lo, st.hi = self.lo, self.hi

    def compute_reach(self, struct, lo, hi):
        """Narrows each struct's version range to the versions in which it can appear."""
        if hasattr(struct, "lo"):
            lo, hi = min(lo, struct.lo), max(hi, struct.hi)
            if (lo, hi) == (struct.lo, struct.hi):
                return
        struct.lo, struct.hi = lo, hi
        for f in struct.fields:
            if f.struct is not None:
                a, b = max(lo, f.versions.lo), min(hi, f.versions.hi)
                if a <= b:
                    self.compute_reach(f.struct, a, b)

    def struct_for(self, field, owner):
        name = field.elem
        if name == self.name:
            raise SchemaError(f"{self.name}: nested struct named like the message")
        if "fields" in field.spec:
            specs, about = field.spec["fields"], field.about
        elif name in self.common:
            specs, about = self.common[name]["fields"], ""
        else:
            raise SchemaError(f"{self.name}.{field.name}: unknown type {field.type}")
        if name in self.struct_names:
            existing = self.struct_names[name]
            if existing.spec_fields != specs:
                raise SchemaError(f"{self.name}: two different structs named {name}")
            return existing
        s = StructDef(name, about, specs, self)
        s.spec_fields = specs
        self.struct_names[name] = s
        self.structs.append(s)  # appended after its own nested structs: dependency order
        return s


# ---------------------------------------------------------------------------------------------
# C++ emission helpers


def comment(text, indent):
    """Wraps `text` as // comment lines that fit the column limit."""
    text = " ".join(text.split())
    if not text:
        return []
    pad = " " * indent
    width = COLUMNS - indent - 3
    return [f"{pad}// {line}" for line in textwrap.wrap(text, width, break_on_hyphens=False)]


def banner(schemas):
    text = (f"Generated by {GENERATOR} from {SCHEMA_DIR}/{', '.join(schemas)}. DO NOT EDIT: "
            f"change the generator or the schema and re-run `python3 {GENERATOR}`.")
    return comment(text, 0)


def wrap_call(prefix, args, suffix, indent):
    """Formats `prefix(arg, arg, ...)suffix` the way clang-format (Google style) breaks calls:
    arguments bin-packed and aligned after the open parenthesis, or, when the first argument does
    not fit there, all moved to the next line at a 4-space continuation indent."""
    pad = " " * indent
    one = f"{pad}{prefix}({', '.join(args)}){suffix}"
    if len(one) <= COLUMNS:
        return [one]
    head = f"{pad}{prefix}("
    lines = pack(head, " " * len(head), args, suffix)
    if lines is not None:
        return lines
    cont = " " * (indent + 4)
    lines = pack(cont, cont, args, suffix)
    if lines is None:
        raise SchemaError("cannot format call " + one)
    return [head] + lines


def pack(first, align, args, suffix):
    """Bin-packs args after `first`, continuing at `align`; None when one does not fit."""
    lines = []
    cur = first
    fresh = True
    for i, a in enumerate(args):
        piece = a + ("," if i + 1 < len(args) else ")" + suffix)
        candidate = cur + ("" if fresh else " ") + piece
        if len(candidate) <= COLUMNS:
            cur, fresh = candidate, False
        elif fresh:
            return None
        else:
            lines.append(cur)
            cur = align + piece
            if len(cur) > COLUMNS:
                return None
    lines.append(cur)
    return lines


def uses(lines, word):
    return any(re.search(r"\b" + word + r"\b", l) for l in lines)


# ---------------------------------------------------------------------------------------------
# Per-struct code


class StructEmitter:
    def __init__(self, message, struct, qual):
        self.m = message
        self.s = struct
        self.qual = qual  # qualified C++ name, e.g. ProduceRequest::TopicProduceData

    def compact_expr(self, f):
        if f.flexible_override is not None:
            return f.flexible_override.cond(self.s.lo, self.s.hi)
        return "flexible"

    def present_range(self, f):
        return max(self.s.lo, f.versions.lo), min(self.s.hi, f.versions.hi)

    def nullable_expr(self, f):
        return f.nullable.cond(*self.present_range(f))

    def present_cond(self, f):
        """Condition for a regular (untagged) appearance of f."""
        regular = f.versions.cond(self.s.lo, self.s.hi)
        if f.tagged.empty():
            return regular
        # Present and not tagged: within versions and below the first tagged version.
        tagged_from = f.tagged.lo
        below = Versions(f"0-{tagged_from - 1}") if tagged_from > 0 else Versions("none")
        lo, hi = max(f.versions.lo, below.lo), min(f.versions.hi, below.hi)
        if lo > hi:
            return "false"
        return Versions(f"{lo}-{hi}").cond(self.s.lo, self.s.hi)

    def tagged_cond(self, f):
        a, b = max(f.versions.lo, f.tagged.lo), min(f.versions.hi, f.tagged.hi)
        if a > b:
            return "false"
        return Versions(f"{a}-{b}").cond(self.s.lo, self.s.hi)

    # -- encode --

    def encode_stmts(self, f, w, compact, indent):
        pad = " " * indent
        m = f.member
        if f.is_array:
            if f.is_optional():
                return wrap_call("wire::write_nullable_array",
                                 [w, m, compact, self.nullable_expr(f), "version"], ";", indent)
            return wrap_call("wire::write_array", [w, m, compact, "version"], ";", indent)
        if f.struct is not None:
            return [f"{pad}{m}.encode({w}, version);"]
        e = f.elem
        if e in INT_TYPES:
            method = {"int8": "i8", "int16": "i16", "uint16": "i16", "int32": "i32",
                      "uint32": "u32", "int64": "i64"}[e]
            val = f"int16_t({m})" if e == "uint16" else m
            return [f"{pad}{w}.{method}({val});"]
        if e == "bool":
            return [f"{pad}{w}.i8({m} ? 1 : 0);"]
        if e == "float64":
            return [f"{pad}wire::write_float64({w}, {m});"]
        if e == "uuid":
            return [f"{pad}wire::write_uuid({w}, {m});"]
        kind = "string" if e == "string" else "bytes"
        if f.is_optional():
            return wrap_call(f"wire::write_nullable_{kind}", [w, m, compact, self.nullable_expr(f)],
                             ";", indent)
        return wrap_call(f"wire::write_{kind}", [w, m, compact], ";", indent)

    def encode_body(self):
        groups = []
        for f in self.s.fields:
            cond = self.present_cond(f)
            if cond == "false":
                continue
            stmts = self.encode_stmts(f, "w", self.compact_expr(f), 2 if cond == "true" else 4)
            groups.append((cond, stmts))
        out = merge_guarded(groups)
        tagged = [f for f in self.s.tagged_fields() if self.tagged_cond(f) != "false"]
        if self.m.flexible.cond(self.s.lo, self.s.hi) == "false":
            return out
        flex_all = self.m.flexible.cond(self.s.lo, self.s.hi) == "true"
        ind = 2 if flex_all else 4
        pad = " " * ind
        section = []
        if not tagged:
            section.append(f"{pad}w.uvarint(0);  // no tagged fields")
        else:
            section.append(f"{pad}wire::TaggedFields tags;")
            for f in tagged:
                cond = self.tagged_cond(f)
                nd = f.non_default_cond(f.member)
                full = unwrap_parens(nd) if cond == "true" else f"{cond} && {nd}"
                section.append(f"{pad}if ({full}) {{")
                section.append(f"{pad}  ByteWriter field = tags.add({f.tag});")
                section.extend(self.encode_stmts(f, "field", "true", ind + 2))
                section.append(f"{pad}}}")
            section.append(f"{pad}tags.write(w);")
        if flex_all:
            out.extend(section)
        else:
            out.append("  if (flexible) {")
            out.extend(section)
            out.append("  }")
        return out

    # -- decode --

    def decode_stmts(self, f, r, compact, indent, on_fail="return false;"):
        """Statements that read f from reader `r`; failures of checked reads run `on_fail`."""
        pad = " " * indent
        m = f.member
        if f.is_array:
            if f.is_optional():
                call = wrap_call("!wire::read_nullable_array",
                                 [r, m, compact, self.nullable_expr(f), "version"], ")", indent + 4)
            else:
                call = wrap_call("!wire::read_array", [r, m, compact, "version"], ")", indent + 4)
            return self.checked(call, indent, on_fail)
        if f.struct is not None:
            return [f"{pad}if (!{m}.decode({r}, version)) {on_fail}"]
        e = f.elem
        if e in INT_TYPES:
            method = {"int8": "i8", "int16": "i16", "uint16": "i16", "int32": "i32",
                      "uint32": "u32", "int64": "i64"}[e]
            val = f"uint16_t({r}.i16())" if e == "uint16" else f"{r}.{method}()"
            return [f"{pad}{m} = {val};"]
        if e == "bool":
            return [f"{pad}{m} = {r}.i8() != 0;"]
        if e == "float64":
            return [f"{pad}{m} = wire::read_float64({r});"]
        if e == "uuid":
            return [f"{pad}wire::read_uuid({r}, {m});"]
        kind = "string" if e == "string" else "bytes"
        if f.is_optional():
            call = wrap_call(f"!wire::read_nullable_{kind}", [r, m, compact, self.nullable_expr(f)],
                             ")", indent + 4)
        else:
            call = wrap_call(f"!wire::read_{kind}", [r, m, compact], ")", indent + 4)
        return self.checked(call, indent, on_fail)

    def checked(self, call, indent, on_fail):
        """Wraps call lines (formatted at indent + 4) into `if (<call>) on_fail`."""
        pad = " " * indent
        first = f"{pad}if ({call[0].lstrip()} {on_fail}"
        if len(call) == 1 and len(first) <= COLUMNS:
            return [first]
        # Re-wrap at the if's open parenthesis: `if (!wire::read_x(` aligns continuation args.
        text = call[0].lstrip()
        prefix = text.partition("(")[0]
        args = split_args(" ".join(c.strip() for c in call)[len(prefix) + 1:])
        lines = wrap_call(f"if ({prefix}", args, f") {on_fail}", indent)
        if all(len(l) <= COLUMNS for l in lines):
            return lines
        raise SchemaError("cannot format " + text)

    def decode_body(self):
        groups = []
        for f in self.s.fields:
            cond = self.present_cond(f)
            if cond == "false":
                continue
            stmts = self.decode_stmts(f, "r", self.compact_expr(f), 2 if cond == "true" else 4)
            groups.append((cond, stmts))
        out = merge_guarded(groups)
        if self.m.flexible.cond(self.s.lo, self.s.hi) == "false":
            return out
        flex_all = self.m.flexible.cond(self.s.lo, self.s.hi) == "true"
        tagged = [f for f in self.s.tagged_fields() if self.tagged_cond(f) != "false"]
        if tagged:
            lam = "[this, version](uint64_t tag, ByteReader& field) {"
            stmt_tail = "return decode_tagged_field(tag, field, version);"
            if flex_all:
                out.append(f"  const auto on_field = {lam}")
                out.append(f"    {stmt_tail}")
                out.append("  };")
                out.append("  if (!wire::read_tagged_fields(r, on_field)) return false;")
            else:
                out.append("  if (flexible) {")
                out.append(f"    const auto on_field = {lam}")
                out.append(f"      {stmt_tail}")
                out.append("    };")
                out.append("    if (!wire::read_tagged_fields(r, on_field)) return false;")
                out.append("  }")
        else:
            if flex_all:
                out.append("  if (!wire::skip_tagged_fields(r)) return false;")
            else:
                out.append("  if (flexible && !wire::skip_tagged_fields(r)) return false;")
        return out

    def decode_tagged_body(self):
        out = ["  switch (tag) {"]
        for f in self.s.tagged_fields():
            cond = self.tagged_cond(f)
            if cond == "false":
                continue
            out.append(f"    case {f.tag}:")
            ind = 6
            if cond != "true":
                out.append(f"      if ({negate(cond)}) return true;  // not known at this version")
            stmts = self.decode_stmts(f, "field", "true", ind)
            out.extend(stmts)
            out.append("      return field.ok() && field.empty();")
        out.append("    default:")
        out.append("      return true;  // unknown tag: skipped")
        out.append("  }")
        return out

    # -- can_encode --

    def can_encode_body(self):
        out = []
        lo, hi = self.s.lo, self.s.hi
        for f in self.s.fields:
            present = f.versions.cond(lo, hi)
            if present != "true" and not f.ignorable:
                nd = f.non_default_cond(f.member)
                cond = nd if present == "false" else f"{negate(present)} && {nd}"
                out.extend(wrap_if(cond, "return false;", 2))
            if present == "false":
                continue
            pcond = [] if present == "true" else [present]
            nullable = self.nullable_expr(f)
            if f.is_optional() and nullable != "true":
                a, b = self.present_range(f)
                parts = pcond + ([] if nullable == "false" else [negate(nullable)])
                if f.nullable.lo > a and f.nullable.hi >= b:  # not nullable in [a, lo - 1]
                    parts = [Versions(f"{a}-{f.nullable.lo - 1}").cond(lo, hi)]
                out.extend(wrap_if(" && ".join(parts + [f"!{f.member}"]), "return false;", 2))
            if f.struct is None:
                continue
            if not f.is_array:
                c = f"!{f.member}.can_encode(version)"
                out.extend(wrap_if(" && ".join(pcond + [c]), "return false;", 2))
                continue
            target = f"*{f.member}" if f.is_optional() else f.member
            guard = pcond + ([f.member] if f.is_optional() else [])
            loop = [f"for (const auto& e : {target}) {{",
                    "  if (!e.can_encode(version)) return false;", "}"]
            if guard:
                out.append(f"  if ({' && '.join(guard)}) {{")
                out.extend("    " + l for l in loop)
                out.append("  }")
            else:
                out.extend("  " + l for l in loop)
        out.append("  return true;")
        return out


def merge_guarded(groups):
    """Emits (condition, statements) groups, sharing one `if` between neighbours with the same
    condition. Statements are pre-indented: 2 spaces when unconditional, 4 inside an if."""
    out = []
    i = 0
    while i < len(groups):
        cond, stmts = groups[i]
        if cond == "true":
            out.extend(stmts)
            i += 1
            continue
        out.append(f"  if ({cond}) {{")
        while i < len(groups) and groups[i][0] == cond:
            out.extend(groups[i][1])
            i += 1
        out.append("  }")
    return out


def negate(cond):
    m = re.fullmatch(r"version (>=|<=) (\d+)", cond)
    if m:
        return f"version {'<' if m.group(1) == '>=' else '>'} {m.group(2)}"
    return f"!({cond})" if " " in cond else f"!{cond}"


def unwrap_parens(cond):
    """Drops one pair of parentheses enclosing the whole condition."""
    if not (cond.startswith("(") and cond.endswith(")")):
        return cond
    depth = 0
    for i, c in enumerate(cond):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i + 1 < len(cond):
            return cond
    return cond[1:-1]


def wrap_if(cond, action, indent):
    cond = unwrap_parens(cond)
    pad = " " * indent
    line = f"{pad}if ({cond}) {action}"
    if len(line) <= COLUMNS:
        return [line]
    # Break at the last " && " that fits.
    parts = cond.split(" && ")
    lines = []
    cur = f"{pad}if ({parts[0]}"
    for p in parts[1:]:
        if len(cur + " && " + p) <= COLUMNS:
            cur += " && " + p
        else:
            lines.append(cur + " &&")
            cur = " " * (indent + 4) + p
    lines.append(cur + ")")
    lines.append(f"{pad}  {action}")
    return lines


def split_args(text):
    """Splits `a, b, c)` (a call's argument text, with the closing parenthesis) into arguments."""
    depth = 0
    args, cur = [], ""
    for c in text:
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                break
            depth -= 1
        if c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += c
    args.append(cur.strip())
    return args


# ---------------------------------------------------------------------------------------------
# Files


def api_snake(api):
    return snake_case(api)


def describe_message(m):
    flex = "never flexible" if m.flexible.empty() else f"flexible {m.flexible.spec}"
    ver = f"version {m.lo}" if m.lo == m.hi else f"versions {m.lo}-{m.hi}"
    if m.api_key is not None:
        return f"{m.name} (api key {m.api_key}), {ver}, {flex}."
    return f"{m.name}, {ver}, {flex}."


def emit_struct_decl(m, s, indent):
    pad = " " * indent
    out = []
    is_root = s is m.root
    if is_root:
        out.extend(comment(describe_message(m), indent))
        out.append(f"{pad}struct {s.name} {{")
        if m.api_key is not None:
            out.append(f"{pad}  static constexpr int16_t api_key = {m.api_key};")
        out.append(f"{pad}  static constexpr int16_t lowest_version = {m.lo};")
        out.append(f"{pad}  static constexpr int16_t highest_version = {m.hi};")
        if m.flexible.empty():
            out.append(f"{pad}  static constexpr bool is_flexible(int16_t /*version*/) "
                       "{ return false; }")
        elif m.flexible.lo == 0 and m.flexible.hi == 0x7FFF:
            out.append(f"{pad}  static constexpr bool is_flexible(int16_t /*version*/) "
                       "{ return true; }")
        else:
            out.append(f"{pad}  static constexpr bool is_flexible(int16_t version) {{ "
                       f"return {m.flexible.cond(-0x8000, 0x7FFF)}; }}")
        for ns in m.structs:
            out.append("")
            out.extend(emit_struct_decl(m, ns, indent + 2))
    else:
        out.extend(comment(s.about, indent))
        out.append(f"{pad}struct {s.name} {{")
        out.append(f"{pad}  static constexpr size_t kMinSize = {s.min_size()};")
    out.append("")
    for f in s.fields:
        out.extend(comment(field_doc(f), indent + 2))
        lit = f.default_literal()
        if lit is None:
            out.append(f"{pad}  {f.cpp_type()} {f.member}{{}};" if f.elem in ("uuid",)
                       and not f.is_array else f"{pad}  {f.cpp_type()} {f.member};")
        else:
            decl = f"{pad}  {f.cpp_type()} {f.member} = {lit};"
            if len(decl) > COLUMNS:
                out.append(f"{pad}  {f.cpp_type()} {f.member} =")
                decl = f"{pad}      {lit};"
            out.append(decl)
    if s.fields:
        out.append("")
    out.append(f"{pad}  void encode(ByteWriter& w, int16_t version) const;")
    out.append(f"{pad}  // Returns false on malformed or truncated input.")
    out.append(f"{pad}  bool decode(ByteReader& r, int16_t version);")
    out.extend(comment("False when encode() at `version` would lose information: a non-ignorable "
                       "field absent at that version holds a non-default value, or a null sits "
                       "where the version cannot carry one.", indent + 2))
    out.append(f"{pad}  bool can_encode(int16_t version) const;")
    if s.tagged_fields():
        out.append(f"{pad}  bool decode_tagged_field(uint64_t tag, ByteReader& field, "
                   "int16_t version);")
    out.append(f"{pad}  bool operator==(const {s.name}&) const = default;")
    out.append(f"{pad}}};")
    return out


def field_doc(f):
    text = f.about.strip()
    notes = []
    if f.versions.spec != "0+":
        notes.append(f"versions {f.versions.spec}")
    if not f.nullable.empty():
        notes.append(f"nullable {f.nullable.spec}")
    if f.tag is not None:
        notes.append(f"tag {f.tag}")
    if notes:
        text = (text + " " if text else "") + "[" + ", ".join(notes) + "]"
    return text


def function(sig, body):
    """A function definition; a one-statement body that fits joins the signature's line."""
    if len(body) == 1 and len(f"{sig} {{ {body[0].strip()} }}") <= COLUMNS:
        return [f"{sig} {{ {body[0].strip()} }}"]
    return wrap_signature(sig) + body + ["}"]


def emit_struct_defs(m, s):
    qual = m.name if s is m.root else f"{m.name}::{s.name}"
    em = StructEmitter(m, s, qual)
    out = []

    def param(lines):
        return "int16_t version" if uses(lines, "version") else "int16_t /*version*/"

    def flex_line(lines):
        if uses(lines, "flexible"):
            return [f"  const bool flexible = {m.name}::is_flexible(version);"]
        return []

    # encode
    body = em.encode_body()
    pre = flex_line(body)
    body = pre + body
    if not body:
        out.append(f"void {qual}::encode(ByteWriter& /*w*/, {param(body)}) const {{}}")
    else:
        out.extend(function(f"void {qual}::encode(ByteWriter& w, {param(body)}) const", body))
    out.append("")
    # decode
    body = em.decode_body()
    pre = flex_line(body)
    reset = [f"  *this = {s.name}{{}};"] if s is m.root else []
    check = []
    if s is m.root:
        check = ["  if (version < lowest_version || version > highest_version) return false;"]
    body = check + reset + pre + body + ["  return r.ok();"]
    out.extend(function(f"bool {qual}::decode(ByteReader& r, {param(body)})", body))
    out.append("")
    # can_encode
    body = em.can_encode_body()
    out.extend(function(f"bool {qual}::can_encode({param(body)}) const", body))
    if s.tagged_fields():
        out.append("")
        body = em.decode_tagged_body()
        out.extend(function(f"bool {qual}::decode_tagged_field(uint64_t tag, ByteReader& field, "
                            f"{param(body)})", body))
    return out


def header_includes(messages):
    std = {"cstddef", "cstdint"}
    for m in messages:
        for s in [m.root] + m.structs:
            for f in s.fields:
                t = f.cpp_type()
                if "std::optional" in t:
                    std.add("optional")
                if "std::string" in t:
                    std.add("string")
                if "std::vector" in t:
                    std.add("vector")
    return std


def emit_api_files(stem, messages, schema_files):
    hpp = banner(schema_files) + ["#pragma once", ""]
    hpp += [f"#include <{h}>" for h in sorted(header_includes(messages))]
    hpp += ["", '#include "base/coding.hpp"', '#include "protocol/wire.hpp"', "",
            "namespace kafka_do::protocol {", ""]
    for i, m in enumerate(messages):
        if i:
            hpp.append("")
        hpp.extend(emit_struct_decl(m, m.root, 0))
    hpp += ["", "}  // namespace kafka_do::protocol", ""]

    cpp = banner(schema_files) + [f'#include "protocol/gen/{stem}.hpp"', "",
                                  "namespace kafka_do::protocol {", ""]
    first = True
    for m in messages:
        for s in m.structs + [m.root]:
            if not first:
                cpp.append("")
            first = False
            cpp.extend(emit_struct_defs(m, s))
    cpp += ["", "}  // namespace kafka_do::protocol", ""]
    return "\n".join(hpp), "\n".join(cpp)


def emit_api_keys(apis):
    schema_files = ["*Request.json"]
    out = banner(schema_files) + ["#pragma once", "", "#include <cstdint>", "",
                                  "namespace kafka_do::protocol {", ""]
    out.append("// Every Kafka API kafka-do implements, by its wire api key.")
    out.append("enum class ApiKey : int16_t {")
    for api, req, _ in sorted(apis, key=lambda a: a[1].api_key):
        out.append(f"  {api_snake(api)} = {req.api_key},")
    out.append("};")
    out.append("")
    out.extend(comment("One API as the schemas define it. `first_flexible_version` is -1 when no "
                       "version is flexible; `latest_version_unstable` marks a highest version "
                       "still under development upstream (never advertise it).", 0))
    out.append("struct ApiInfo {")
    out.append("  ApiKey key;")
    out.append("  const char* name;")
    out.append("  int16_t lowest_version;")
    out.append("  int16_t highest_version;")
    out.append("  int16_t first_flexible_version;")
    out.append("  bool latest_version_unstable;")
    out.append("};")
    out.append("")
    out.append("inline constexpr ApiInfo kApis[] = {")
    for api, req, resp in sorted(apis, key=lambda a: a[1].api_key):
        if (req.lo, req.hi, req.flexible.spec) != (resp.lo, resp.hi, resp.flexible.spec):
            raise SchemaError(f"{api}: request and response version ranges differ")
        flex = -1 if req.flexible.empty() else req.flexible.lo
        unstable = "true" if req.unstable_latest else "false"
        out.append(f'    {{ApiKey::{api_snake(api)}, "{api}", {req.lo}, {req.hi}, {flex}, '
                   f"{unstable}}},")
    out.append("};")
    out.append("")
    out.append("// The registry entry of `api_key`, or nullptr when kafka-do does not implement it.")
    out.append("constexpr const ApiInfo* find_api(int16_t api_key) {")
    out.append("  for (const ApiInfo& api : kApis) {")
    out.append("    if (int16_t(api.key) == api_key) return &api;")
    out.append("  }")
    out.append("  return nullptr;")
    out.append("}")
    out.append("")
    out.append("}  // namespace kafka_do::protocol")
    out.append("")
    return "\n".join(out)


def emit_messages_header(apis, standalone):
    out = banner(["*.json"]) + ["#pragma once", ""]
    stems = [api_snake(a) for a, _, _ in apis] + [snake_case(n) for n in standalone] + ["api_keys"]
    out += [f'#include "protocol/gen/{s}.hpp"' for s in sorted(stems)]
    out += ["", "namespace kafka_do::protocol {", ""]
    out.append("// ApiMessages<ApiKey::produce>::Request is ProduceRequest, and so on for every API.")
    out.append("template <ApiKey key>")
    out.append("struct ApiMessages;")
    for api, req, resp in sorted(apis, key=lambda a: a[1].api_key):
        out.append("")
        out.append("template <>")
        out.append(f"struct ApiMessages<ApiKey::{api_snake(api)}> {{")
        out.append(f"  using Request = {req.name};")
        out.append(f"  using Response = {resp.name};")
        out.append("};")
    out += ["", "// Calls f(ApiMessages<key>{}) for every API, in api key order.",
            "template <typename F>", "void for_each_api(F&& f) {"]
    for api, req, _ in sorted(apis, key=lambda a: a[1].api_key):
        out.append(f"  f(ApiMessages<ApiKey::{api_snake(api)}>{{}});")
    out += ["}", "", "}  // namespace kafka_do::protocol", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Round-trip tests


def sample_int(path, elem, default):
    h = zlib.crc32(path.encode()) % 90 + 2
    v = h
    if elem == "int8":
        v = h % 60 + 2
    lit = int(str(default), 0) if default is not None and str(default) != "" else 0
    if v == lit:
        v += 1
    return v


def emit_fill(m, s, qual):
    """A fill() overload giving every field present at `version` a non-default value."""
    groups = []
    for f in s.fields:
        present = f.versions.cond(s.lo, s.hi)
        if present == "false":
            continue
        path = f"{m.name}.{s.name}.{f.name}"
        stmts = []
        nullable = f.nullable.cond(max(s.lo, f.versions.lo), min(s.hi, f.versions.hi))
        ref = f"m.{f.member}"
        if f.is_array:
            if f.struct is not None:
                target = ref
                if f.is_optional():
                    stmts.append(f"{ref}.emplace(2);")
                    target = f"(*{ref})"
                else:
                    stmts.append(f"{ref}.resize(2);")
                stmts.append(f"for (size_t i = 0; i < {target}.size(); ++i) {{")
                stmts.append(f"  fill({target}[i], version, nulls, salt + int(i));")
                stmts.append("}")
            else:
                vals = sample_elems(f, path)
                stmts.append(f"{ref} = std::vector<{f.elem_cpp()}>{{{vals}}};" if f.is_optional()
                             else f"{ref} = {{{vals}}};")
        elif f.struct is not None:
            stmts.append(f"fill({ref}, version, nulls, salt);")
        elif f.elem in INT_TYPES:
            v = sample_int(path, f.elem, f.default)
            stmts.append(f"{ref} = {f.elem_cpp()}({v} + salt);")
        elif f.elem == "bool":
            stmts.append(f"{ref} = {'false' if f.default_literal() == 'true' else 'true'};")
        elif f.elem == "float64":
            stmts.append(f"{ref} = 1.5 + salt;")
        elif f.elem == "uuid":
            h = zlib.crc32(path.encode()) % 200 + 1
            stmts.append(f"{ref}.fill(uint8_t({h} + salt));")
        elif f.elem == "records":
            stmts.append(f'{ref} = std::string("\\x00\\x01records", 9) + std::to_string(salt);')
        else:
            stmts.append(f'{ref} = "{f.member}-" + std::to_string(salt);')
        if nullable != "false":
            cond = "nulls" if nullable == "true" else f"nulls && {nullable}"
            stmts = [f"if ({cond}) {{", f"  {ref}.reset();", "} else {"] + \
                ["  " + x for x in stmts] + ["}"]
        groups.append((present, [("  " if present == "true" else "    ") + x for x in stmts]))
    body = merge_guarded(groups)

    def param(name, decl):
        return decl if uses(body, name) else decl.replace(name, f"/*{name}*/")
    sig = (f"void fill({qual}& {param('m', 'm')}, {param('version', 'int16_t version')}, "
           f"{param('nulls', 'bool nulls')}, {param('salt', 'int salt')})")
    if not body:
        return [sig + " {}"] if len(sig) + 3 <= COLUMNS else wrap_signature(sig)[:-1] + [
            wrap_signature(sig)[-1] + "}"]
    return wrap_signature(sig) + body + ["}"]


def wrap_signature(sig):
    """`sig {` on one line, or broken at its parameters the way clang-format does."""
    line = sig + " {"
    if len(line) <= COLUMNS:
        return [line]
    close = sig.rindex(")")
    prefix, _, params = sig[:close].partition("(")
    return wrap_call(prefix, split_args(params + ")"), sig[close + 1:] + " {", 0)


def sample_elems(f, path):
    h = zlib.crc32(path.encode()) % 90 + 2
    e = f.elem
    if e in INT_TYPES:
        return f"{h}, {h + 1}"
    if e == "string":
        return '"s1", "s2"'
    if e == "uuid":
        return f"Uuid{{uint8_t({h})}}, Uuid{{}}"
    raise SchemaError(f"no sample for {f.type}")


def emit_roundtrip_test(stem, messages, schema_files):
    out = banner(schema_files)
    out += ["#include <gtest/gtest.h>", "", "#include <string>", "",
            f'#include "protocol/gen/{stem}.hpp"', '#include "protocol/roundtrip_check.hpp"', "",
            "namespace kafka_do::protocol {", "namespace {", ""]
    for m in messages:
        for s in m.structs + [m.root]:
            qual = m.name if s is m.root else f"{m.name}::{s.name}"
            out.extend(emit_fill(m, s, qual))
            out.append("")
    suite = "".join(part[:1].upper() + part[1:] for part in stem.split("_")) + "RoundTripTest"
    for m in messages:
        out.extend(function(f"TEST({suite}, {m.name}EveryVersion)",
                            [f"  check_every_version<{m.name}>(fill);"]))
        out.append("")
    out += ["}  // namespace", "}  // namespace kafka_do::protocol", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Driver


def load(name):
    return Message(os.path.join(ROOT, SCHEMA_DIR, name + ".json"))


def generate(out_root):
    files = {}
    apis = []
    for api in APIS:
        req, resp = load(api + "Request"), load(api + "Response")
        if req.api_key is None or req.api_key != resp.api_key:
            raise SchemaError(f"{api}: api keys missing or differing")
        apis.append((api, req, resp))
        stem = api_snake(api)
        schemas = [req.file, resp.file]
        hpp, cpp = emit_api_files(stem, [req, resp], schemas)
        files[f"{SRC_GEN_DIR}/{stem}.hpp"] = hpp
        files[f"{SRC_GEN_DIR}/{stem}.cpp"] = cpp
        files[f"{TEST_GEN_DIR}/{stem}_roundtrip_test.cpp"] = emit_roundtrip_test(
            stem, [req, resp], schemas)
    for name in STANDALONE:
        m = load(name)
        stem = snake_case(name)
        hpp, cpp = emit_api_files(stem, [m], [m.file])
        files[f"{SRC_GEN_DIR}/{stem}.hpp"] = hpp
        files[f"{SRC_GEN_DIR}/{stem}.cpp"] = cpp
        files[f"{TEST_GEN_DIR}/{stem}_roundtrip_test.cpp"] = emit_roundtrip_test(stem, [m],
                                                                                 [m.file])
    files[f"{SRC_GEN_DIR}/api_keys.hpp"] = emit_api_keys(apis)
    files[f"{SRC_GEN_DIR}/messages.hpp"] = emit_messages_header(apis, STANDALONE)
    for rel, text in files.items():
        path = os.path.join(out_root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fp:
            fp.write(text)
    return sorted(files)


def check():
    with tempfile.TemporaryDirectory(prefix="protocol_gen_check_") as tmp:
        generated = generate(tmp)
        problems = []
        for rel in generated:
            mine, theirs = os.path.join(tmp, rel), os.path.join(ROOT, rel)
            if not os.path.exists(theirs):
                problems.append(f"missing in the tree: {rel}")
            elif not filecmp.cmp(mine, theirs, shallow=False):
                with open(theirs, encoding="utf-8") as a, open(mine, encoding="utf-8") as b:
                    diff = difflib.unified_diff(a.readlines(), b.readlines(), f"tree/{rel}",
                                                f"generated/{rel}", n=1)
                    problems.append(f"differs: {rel}\n" + "".join(list(diff)[:40]))
        for d in (SRC_GEN_DIR, TEST_GEN_DIR):
            for name in sorted(os.listdir(os.path.join(ROOT, d))):
                rel = f"{d}/{name}"
                if rel not in generated:
                    problems.append(f"stale file not produced by the generator: {rel}")
        if problems:
            print("\n".join(problems))
            print(f"{len(problems)} generated file(s) out of date: "
                  f"run `python3 {GENERATOR}` and commit the result.")
            return 1
        print(f"{len(generated)} generated files match the schemas.")
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="generate into a temporary directory and diff against the tree")
    parser.add_argument("--out-root", default=ROOT,
                        help="write below this directory instead of the repository root")
    args = parser.parse_args()
    try:
        if args.check:
            return check()
        written = generate(args.out_root)
        print(f"wrote {len(written)} files below {args.out_root}")
        return 0
    except SchemaError as e:
        print(f"protocol_gen: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
