"""The stack spec: a valid one is read into typed objects; an invalid one is one line naming
file, line and field; no input at all escapes as a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homelab_acceptance.spec import SecretRef, StackSpecError, load_stack, stack_schema

VALID = """\
apiVersion: homelab-acceptance/v1
kind: Stack
metadata:
  name: homelab
components:
  - name: sample-app
    provisioner: manifests
    source: apps/sample
    namespace: apps
    images:
      - name: homelab/sample-app:1.0
        build: images/sample-app
    expect:
      endpoints:
        - {service: sample-app, port: 8080, path: /healthz, body: ok, node_port: 30080}
      metrics:
        - {query: 'sample_app_requests_total', moves: true}
      logs:
        - {selector: '{namespace="apps"}', contains: request}
      alerts:
        - {name: SampleAppDown, cause: {scale_to_zero: sample-app}}
observability:
  prometheus: monitoring/prometheus:9090
limits:
  node_restart: {downtime_budget_s: 60}
  persistent_storage:
    - {namespace: apps, claim: sample-data}
"""


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    (tmp_path / "apps" / "sample").mkdir(parents=True)
    (tmp_path / "images" / "sample-app").mkdir(parents=True)
    (tmp_path / "images" / "sample-app" / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n"
    )
    return tmp_path


def write(directory: Path, text: str) -> Path:
    path = directory / "stack.yaml"
    path.write_text(text)
    return path


def test_a_valid_spec_is_read_into_typed_objects(stack_dir: Path) -> None:
    stack = load_stack(write(stack_dir, VALID))
    assert stack.name == "homelab"
    (app,) = stack.components
    assert (app.name, app.provisioner, app.namespace) == ("sample-app", "manifests", "apps")
    assert app.source == stack_dir / "apps" / "sample"
    assert app.images[0].build == stack_dir / "images" / "sample-app"
    assert app.expect.endpoints[0].node_port == 30080
    assert app.expect.endpoints[0].status == 200
    assert app.expect.metrics[0].moves is True
    assert app.expect.alerts[0].scale_to_zero == "sample-app"
    assert stack.limits.downtime_budget_s == 60
    assert stack.limits.persistent_storage[0].claim == "sample-data"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("kind: Stack", "kind: Stacks"), "stack.yaml:2: kind: 'Stack' was expected"),
        (
            ("    provisioner: manifests\n", ""),
            "stack.yaml:6: components[0]: 'provisioner' is required",
        ),
        (
            ("    namespace: apps", "    namespce: apps"),
            "stack.yaml:6: components[0]: unknown field(s) 'namespce'",
        ),
        (
            ("homelab/sample-app:1.0", "homelab/sample-app:latest"),
            "stack.yaml:11: components[0].images[0].name: 'homelab/sample-app:latest': "
            "pin an exact tag",
        ),
        (
            ("port: 8080,", "port: 80800,"),
            "stack.yaml:15: components[0].expect.endpoints[0].port: 80800 is greater than "
            "the maximum of 65535",
        ),
        (
            ("downtime_budget_s: 60", "downtime_budget_s: soon"),
            "stack.yaml:25: limits.node_restart.downtime_budget_s: 'soon' is not of type 'number'",
        ),
        (("source: apps/sample", "source: apps/missing"), "stack.yaml:8: components[0].source:"),
        (
            ("build: images/sample-app", "build: apps/sample"),
            "stack.yaml:12: components[0].images[0].build: no Dockerfile in",
        ),
        (
            ("- name: sample-app\n", "- name: Sample_App\n"),
            "stack.yaml:6: components[0].name: 'Sample_App' does not match the expected form",
        ),
        (("metadata:", "metadata: [\n"), "not valid YAML"),
        (
            ("provisioner: manifests", "provisioner: pulumi"),
            "stack.yaml:7: components[0].provisioner: no provisioner 'pulumi' is installed",
        ),
        (
            ("    source: apps/sample\n", ""),
            "stack.yaml:6: components[0]: give either source (a local path) or chart",
        ),
        (
            (
                "source: apps/sample",
                "source: apps/sample\n    chart: {repository: "
                "https://charts.invalid, name: x, version: 1.0.0}",
            ),
            "stack.yaml:6: components[0]: give either source (a local path) or chart",
        ),
        (
            (
                "source: apps/sample",
                "chart: {repository: https://charts.invalid, name: x, version: 1.0.0}",
            ),
            "stack.yaml:8: components[0].chart: only the helm provisioner takes a chart",
        ),
        (
            (
                "provisioner: manifests\n    source: apps/sample",
                "provisioner: helm\n    chart: "
                "{repository: https://charts.invalid, name: x, version: '>=1.0'}",
            ),
            "stack.yaml:8: components[0].chart.version: '>=1.0' does not match the expected form "
            "(An exact chart version (no ranges).)",
        ),
    ],
)
def test_an_invalid_spec_is_one_line_naming_file_line_and_field(
    stack_dir: Path, change: tuple[str, str], complaint: str
) -> None:
    assert change[0] in VALID
    with pytest.raises(StackSpecError) as raised:
        load_stack(write(stack_dir, VALID.replace(change[0], change[1], 1)))
    message = str(raised.value)
    assert complaint in message
    assert "\n" not in message


def test_a_helm_component_may_name_a_pinned_chart_instead_of_a_source(stack_dir: Path) -> None:
    text = VALID.replace(
        "provisioner: manifests\n    source: apps/sample",
        "provisioner: helm\n    chart: {repository: oci://registry.invalid/charts, name: "
        "kube-prometheus-stack, version: 79.1.0}",
    )
    component = load_stack(write(stack_dir, text)).components[0]
    assert component.source is None
    assert component.chart is not None
    assert (component.chart.name, component.chart.version) == ("kube-prometheus-stack", "79.1.0")


def test_observability_services_are_read_as_namespace_name_and_port(stack_dir: Path) -> None:
    prometheus = load_stack(write(stack_dir, VALID)).observability.prometheus
    assert prometheus is not None
    assert (prometheus.namespace, prometheus.name, prometheus.port) == (
        "monitoring",
        "prometheus",
        9090,
    )
    broken = VALID.replace("monitoring/prometheus:9090", "prometheus:9090")
    with pytest.raises(StackSpecError, match=r"stack.yaml:23: observability.prometheus: "):
        load_stack(write(stack_dir, broken))


def test_grafanas_admin_secret_is_read_as_namespace_and_name(stack_dir: Path) -> None:
    text = VALID.replace(
        "observability:\n", "observability:\n  grafana_admin_secret: grafana/grafana-admin\n"
    )
    secret = load_stack(write(stack_dir, text)).observability.grafana_admin_secret
    assert secret == SecretRef("grafana", "grafana-admin")
    assert load_stack(write(stack_dir, VALID)).observability.grafana_admin_secret is None
    broken = text.replace("grafana/grafana-admin", "grafana-admin")
    with pytest.raises(StackSpecError, match=r"observability.grafana_admin_secret: "):
        load_stack(write(stack_dir, broken))


def test_a_component_name_used_twice_is_named(stack_dir: Path) -> None:
    twice = VALID.replace(
        "observability:",
        "  - {name: sample-app, provisioner: manifests, source: apps/sample}\nobservability:",
    )
    with pytest.raises(
        StackSpecError, match=r"stack.yaml:22: components\[1\].name: 'sample-app' is used twice"
    ):
        load_stack(write(stack_dir, twice))


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(StackSpecError, match="cannot read the stack spec"):
        load_stack(tmp_path / "nope.yaml")


def test_the_published_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(stack_schema())
    published = Path(__file__).parents[2] / "src" / "homelab_acceptance" / "stack.schema.json"
    assert json.loads(published.read_text()) == stack_schema()


def assert_valid_or_one_line(path: Path) -> None:
    """Either a Stack comes back or a StackSpecError of one line: nothing else escapes."""
    try:
        load_stack(path)
    except StackSpecError as error:
        message = str(error)
    else:
        return
    assert "\n" not in message
    assert message.startswith(str(path))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def mutate(document: Any, path: list[Any], value: Any) -> Any:
    """`document` with the node at (a prefix of) `path` replaced by `value`."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    key = path[0]
    if isinstance(document, dict):
        keys = sorted(document)
        chosen = keys[key % len(keys)] if isinstance(key, int) else keys[0]
        return {**document, chosen: mutate(document[chosen], path[1:], value)}
    index = key % len(document) if isinstance(key, int) else 0
    return [*document[:index], mutate(document[index], path[1:], value), *document[index + 1 :]]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_no_text_escapes_as_a_traceback(stack_dir: Path, text: str) -> None:
    assert_valid_or_one_line(write(stack_dir, text))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=json_values)
def test_no_structure_escapes_as_a_traceback(stack_dir: Path, document: Any) -> None:
    assert_valid_or_one_line(write(stack_dir, yaml.safe_dump(document)))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.integers(min_value=0, max_value=20), max_size=6), value=json_values)
def test_no_damage_to_a_valid_spec_escapes_as_a_traceback(
    stack_dir: Path, path: list[int], value: Any
) -> None:
    damaged = mutate(yaml.safe_load(VALID), path, value)
    assert_valid_or_one_line(write(stack_dir, yaml.safe_dump(damaged)))
