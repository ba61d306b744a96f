"""Shared data and helpers of the evaluation tests: labelled cases, profiles."""

from __future__ import annotations

import json
import math

from matcher.profile import validate_record

LOG2_3 = math.log2(3)

GOOD = [
    {"id": "m1", "lang": "fr", "type": "match", "query": "eau potable à Kinshasa",
     "kinds": ["ngo"], "countries": ["RDC"], "relevant": {"a": 2, "b": 1},
     "note": "cross-lingual: NL profile"},
    {"id": "s1", "lang": "nl", "type": "suggest", "actor": "c", "relevant": {"a": 1}},
]


def jsonl(records: list[object]) -> str:
    return "\n".join(json.dumps(r) for r in records) + "\n"


def make_profile(pid: str, description: str, kind: str = "ngo", countries: tuple = (),
                 **extra: object):
    return validate_record({"id": pid, "name": pid.upper(), "kind": kind,
                            "description": description, "countries": list(countries), **extra})
