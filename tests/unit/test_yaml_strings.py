"""Strings the harness writes into YAML for Kubernetes stay strings for every reader: PyYAML
(YAML 1.1) and a YAML 1.2 reader (ruamel.yaml), which takes `08060214` for an int and
`986172e8` for a float as Go's parsers do. Checked on the helm post-renderer's labels over
random run ids and label values (the run id 08060214 once made Helm refuse a release)."""

from __future__ import annotations

import io

import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from homelab_acceptance.provision.helm_post_render import post_render
from homelab_acceptance.provision.yaml_strings import dump_all

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"
RUN_IDS = st.text(alphabet="0123456789abcdef", min_size=8, max_size=8)
LABEL_VALUES = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,30}[A-Za-z0-9])?", fullmatch=True)


def read_back(text: str) -> list[object]:
    as_1_1 = list(yaml.safe_load_all(text))
    as_1_2 = list(YAML(typ="safe", pure=True).load_all(io.StringIO(text)))
    assert as_1_1 == as_1_2, text
    return as_1_1


@given(run_id=RUN_IDS, value=LABEL_VALUES)
@example(run_id="08060214", value="986172e8")
@example(run_id="00000000", value="1e5")
@example(run_id="12345678", value="yes")
def test_label_values_stay_strings_whatever_the_run_id(run_id: str, value: str) -> None:
    labels = {"homelab-acceptance": run_id, "homelab-acceptance/component": value}
    (document,) = read_back(post_render(MANIFEST, labels))
    assert isinstance(document, dict)
    assert document["metadata"]["labels"] == labels


@given(values=st.lists(st.text(max_size=20), max_size=5))
@example(values=["0x1F", "0o17", "1_000", "12:30", ".5", "-.inf", ".NaN", "~", "null", "Off"])
def test_any_string_reads_back_as_itself(values: list[str]) -> None:
    (document,) = read_back(dump_all([{"values": values}]))
    assert document == {"values": values}
