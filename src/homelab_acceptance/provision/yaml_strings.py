"""YAML for Go's parsers: every string stays a string. PyYAML quotes a string only when YAML
1.1 would read it as something else, but Kubernetes and Helm read YAML with Go's parsers,
which take `08060214` for a number and `986172e8` for a float: a run id such as those went
into a label value unquoted and Helm refused the release ("cannot unmarshal number into …
metadata.labels of type string", about 0.75 % of random ids). Here any string that any of
them could take for a number, a boolean or null is single-quoted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

#: Plain scalars some YAML reader (1.1, 1.2 core, Go's) may resolve to a non-string: anything
#: that starts like a number, and the words for booleans and null.
_MAY_NOT_BE_A_STRING = re.compile(
    r"[-+]?[.]?[0-9][0-9a-zA-Z_.:+-]*|[-+]?[.](inf|Inf|INF)|[.](nan|NaN|NAN)"
    r"|(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
    r"|on|On|ON|off|Off|OFF|null|Null|NULL|~)"
)


class StringSafeDumper(yaml.SafeDumper):
    """A SafeDumper that quotes every string some YAML reader could take for another type."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _MAY_NOT_BE_A_STRING.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


StringSafeDumper.add_representer(str, _represent_str)


def dump_all(documents: Iterable[Any]) -> str:
    """Documents as YAML, each after `---`, keys in their order, strings kept strings."""
    return str(
        yaml.dump_all(documents, Dumper=StringSafeDumper, explicit_start=True, sort_keys=False)
    )
