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

from homelab_acceptance.errors import StackSpecError
from homelab_acceptance.spec import SecretRef, load_stack, stack_schema

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


def test_rule_tests_are_files_inside_the_stacks_directory(stack_dir: Path) -> None:
    declared = VALID.replace(
        "  prometheus: monitoring/prometheus:9090\n",
        "  prometheus: monitoring/prometheus:9090\n  rule_tests: [rules/homelab.yaml]\n",
    )
    with pytest.raises(
        StackSpecError, match=r"stack.yaml:24: observability.rule_tests\[0\]: .* does not exist"
    ):
        load_stack(write(stack_dir, declared))
    (stack_dir / "rules").mkdir()
    (stack_dir / "rules" / "homelab.yaml").write_text("tests: []\n")
    stack = load_stack(write(stack_dir, declared))
    assert stack.observability.rule_tests == (stack_dir / "rules" / "homelab.yaml",)
    outside = declared.replace("rules/homelab.yaml", "../elsewhere.yaml")
    with pytest.raises(StackSpecError, match=r"observability.rule_tests\[0\]: .* outside the"):
        load_stack(write(stack_dir, outside))


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
    published = (
        Path(__file__).parents[2] / "src" / "homelab_acceptance" / "spec" / "stack.schema.json"
    )
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


# Containment: a spec's paths stay inside its directory unless allow_outside names another.


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the stack's, with what a source, a values file and a recipe need."""
    directory = tmp_path.parent / f"{tmp_path.name}-outside"
    (directory / "images" / "sample-app").mkdir(parents=True, exist_ok=True)
    (directory / "images" / "sample-app" / "Dockerfile").write_text("FROM scratch\n")
    (directory / "values.yaml").write_text("a: b\n")
    return directory


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("source: apps/sample", "source: ../{outside}"), "stack.yaml:8: components[0].source: "),
        (("source: apps/sample", "source: {outside_abs}"), "stack.yaml:8: components[0].source: "),
        (("source: apps/sample", "source: apps/../../{outside}"), "stack.yaml:8: components[0]"),
        (
            ("source: apps/sample", "source: apps/sample\n    values: [../{outside}/values.yaml]"),
            "stack.yaml:9: components[0].values[0]: ",
        ),
        (
            ("build: images/sample-app", "build: ../{outside}/images/sample-app"),
            "stack.yaml:12: components[0].images[0].build: ",
        ),
    ],
)
def test_a_path_leading_out_of_the_stacks_directory_is_named_with_where_it_resolves(
    stack_dir: Path, outside: Path, change: tuple[str, str], where: str
) -> None:
    escaping = change[1].format(outside=outside.name, outside_abs=outside)
    text = VALID.replace(change[0], escaping, 1)
    with pytest.raises(StackSpecError) as raised:
        load_stack(write(stack_dir, text))
    message = str(raised.value)
    assert where in message
    assert f"resolves to {outside}" in message
    assert f"outside the stack's directory {stack_dir}; list the directory under allow_outside" in (
        message
    )
    assert "\n" not in message
    allowed = load_stack(write(stack_dir, f"allow_outside: [../{outside.name}]\n{text}"))
    assert allowed.allow_outside == (stack_dir / ".." / outside.name,)


def test_a_symlink_pointing_out_is_refused_as_a_source_or_inside_one(
    stack_dir: Path, outside: Path
) -> None:
    (stack_dir / "apps" / "link").symlink_to(outside)
    linked = VALID.replace("source: apps/sample", "source: apps/link")
    with pytest.raises(StackSpecError, match=rf"components\[0\].source: .* resolves to {outside}"):
        load_stack(write(stack_dir, linked))
    (stack_dir / "apps" / "sample" / "passwd.yaml").symlink_to(outside / "values.yaml")
    with pytest.raises(StackSpecError) as raised:
        load_stack(write(stack_dir, VALID))
    assert "stack.yaml:8: components[0].source: " in str(raised.value)
    assert f"passwd.yaml, a symlink to {outside / 'values.yaml'}, outside" in str(raised.value)
    load_stack(write(stack_dir, f"allow_outside: [{outside}]\n{VALID}"))


def test_a_symlink_that_stays_inside_is_fine(stack_dir: Path) -> None:
    (stack_dir / "apps" / "link").symlink_to(stack_dir / "apps" / "sample")
    load_stack(write(stack_dir, VALID.replace("source: apps/sample", "source: apps/link")))


def test_an_allowed_directory_must_exist(stack_dir: Path) -> None:
    with pytest.raises(StackSpecError, match=r"stack.yaml:1: allow_outside\[0\]: .* is not a dir"):
        load_stack(write(stack_dir, f"allow_outside: [../nowhere]\n{VALID}"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.sampled_from(["..", ".", "apps", "sample", "images", "/", "/etc", "link", "x"]),
        min_size=1,
        max_size=6,
    )
)
def test_no_source_path_that_loads_leads_outside(stack_dir: Path, parts: list[str]) -> None:
    if not (stack_dir / "link").is_symlink():
        (stack_dir / "link").symlink_to("/usr")
    source = "/".join(parts).replace("//", "/")
    path = write(stack_dir, VALID.replace("source: apps/sample", f"source: '{source}'"))
    try:
        loaded = load_stack(path).components[0].source
    except StackSpecError as error:
        loaded, message = None, str(error)
    if loaded is None:
        assert "\n" not in message
    else:
        assert loaded.resolve().is_relative_to(stack_dir.resolve())


# Secret-marked values files.


def test_a_values_file_may_be_marked_secret_and_plain_strings_still_work(stack_dir: Path) -> None:
    (stack_dir / "public.yaml").write_text("replicas: 1\n")
    (stack_dir / "secret.yaml").write_text("db:\n  password: hunter2-long\n  users: [ann]\n")
    text = VALID.replace(
        "source: apps/sample",
        "source: apps/sample\n    values: [public.yaml, {path: secret.yaml, secret: true}]",
    )
    app = load_stack(write(stack_dir, text)).components[0]
    assert app.values == (stack_dir / "public.yaml", stack_dir / "secret.yaml")
    assert app.secret_values == (stack_dir / "secret.yaml",)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        (
            "{path: secret.yaml, secret: yes please}",
            ".secret: 'yes please' is not of type 'boolean'",
        ),
        (
            "{file: secret.yaml, secret: true}",
            "{'file': 'secret.yaml', 'secret': True} is not a path, or {path: PATH, secret: true}",
        ),
        ("{path: broken.yaml, secret: true}", "values[0]: secret: "),
    ],
)
def test_a_bad_secret_values_entry_is_one_line(stack_dir: Path, entry: str, complaint: str) -> None:
    (stack_dir / "secret.yaml").write_text("password: hunter2-long\n")
    (stack_dir / "broken.yaml").write_text("a: &x [*x]\n")
    text = VALID.replace("source: apps/sample", f"source: apps/sample\n    values: [{entry}]")
    with pytest.raises(StackSpecError) as raised:
        load_stack(write(stack_dir, text))
    assert "stack.yaml:9: components[0].values[0]" in str(raised.value)
    assert complaint in str(raised.value)


# Hostile files: each refused with one line that names the limit it hit (so the loader stopped
# at the limit instead of expanding the file: no duration is asserted; bench/ has the figures).


def refusal(path: Path) -> str:
    with pytest.raises(StackSpecError) as raised:
        load_stack(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def test_a_huge_file_is_refused_unread(stack_dir: Path) -> None:
    path = stack_dir / "stack.yaml"
    with path.open("w") as handle:
        handle.write(VALID)
        handle.write("# padding\n" * 5_000_000)  # 50 MB
    assert path.stat().st_size > 50_000_000
    assert "stack.yaml:1: larger than 1024 KiB, so not a stack spec" in refusal(path)


def test_a_billion_laughs_is_refused(stack_dir: Path) -> None:
    levels = [f"l0: &l0 [{', '.join(['lol'] * 9)}]"]
    levels += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    bomb = VALID.replace("metadata:\n", "\n".join(levels) + "\nmetadata:\n")
    message = refusal(write(stack_dir, bomb))
    assert "stack.yaml:1: not accepted: its aliases expand to" in message
    assert "a YAML bomb?" in message


@pytest.mark.parametrize(
    "cycle", ["  node_restart: &r {downtime_budget_s: 60, again: *r}", "  x: &s [1, [2, *s]]"]
)
def test_an_alias_inside_the_collection_it_names_is_refused(stack_dir: Path, cycle: str) -> None:
    text = VALID.replace("  node_restart: {downtime_budget_s: 60}", cycle)
    message = refusal(write(stack_dir, text))
    assert "stack.yaml:25: not accepted: an alias refers to the collection it is in" in message


@pytest.mark.parametrize("depth", [80, 5000])
def test_deep_nesting_is_refused(stack_dir: Path, depth: int) -> None:
    text = VALID.replace("name: homelab", "name: " + "[" * depth + "]" * depth)
    assert "not" in refusal(write(stack_dir, text))


def test_a_nul_byte_is_refused_naming_its_line(stack_dir: Path) -> None:
    message = refusal(write(stack_dir, VALID.replace("name: homelab", "name: home\0lab")))
    assert "stack.yaml:4: not valid YAML (character #x0000 is not allowed" in message


def test_a_file_that_is_not_utf8_is_refused_naming_its_line(stack_dir: Path) -> None:
    path = stack_dir / "stack.yaml"
    path.write_bytes(VALID.replace("homelab\n", "h\xf6melab\n", 1).encode("latin-1"))
    assert "stack.yaml:4: not UTF-8 (byte 0xf6 at offset" in refusal(path)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_no_bytes_escape_as_a_traceback(stack_dir: Path, data: bytes) -> None:
    path = stack_dir / "stack.yaml"
    path.write_bytes(data)
    assert_valid_or_one_line(path)


def schema_property_names(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        own = (
            set(schema.get("properties", {}))
            if isinstance(schema.get("properties"), dict)
            else set()
        )
        return own.union(*(schema_property_names(value) for value in schema.values()))
    if isinstance(schema, list):
        return set().union(*(schema_property_names(item) for item in schema))
    return set()


def mappings_of(document: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The location of every mapping in `document`."""
    if isinstance(document, dict):
        inner = [m for key, value in document.items() for m in mappings_of(value, (*at, key))]
        return [at, *inner]
    if isinstance(document, list):
        return [m for index, item in enumerate(document) for m in mappings_of(item, (*at, index))]
    return []


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.integers(min_value=0), key=st.from_regex(r"\A[a-z][a-z_]{0,15}\Z"))
def test_an_unknown_key_anywhere_is_named(stack_dir: Path, choice: int, key: str) -> None:
    document = yaml.safe_load(VALID)
    locations = mappings_of(document)
    target = document
    for part in locations[choice % len(locations)]:
        target = target[part]
    if key in schema_property_names(stack_schema()):
        return  # a known key, not an unknown one
    target[key] = "surprise"
    with pytest.raises(StackSpecError) as raised:
        load_stack(write(stack_dir, yaml.safe_dump(document)))
    assert f"unknown field(s) {key!r}" in str(raised.value)


def test_always_firing_alerts_are_read_as_alert_names(stack_dir: Path) -> None:
    text = VALID.replace("observability:\n", "observability:\n  always_firing: [Watchdog]\n")
    assert load_stack(write(stack_dir, text)).observability.always_firing == ("Watchdog",)
    assert load_stack(write(stack_dir, VALID)).observability.always_firing == ()
    broken = text.replace("[Watchdog]", "[Watch dog]")
    with pytest.raises(StackSpecError, match=r"observability.always_firing"):
        load_stack(write(stack_dir, broken))
