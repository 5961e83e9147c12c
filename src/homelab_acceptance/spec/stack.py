"""The stack spec (stack.yaml): what the stack is made of and what must hold once it is up.

Validated against `stack.schema.json` (published for editors: point a YAML language server at
it), then for what a schema cannot say (paths exist, names unique). Every error is one line
naming the file, the line and the field; nothing is applied when the spec is invalid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import jsonschema
from yaml.nodes import Node

from homelab_acceptance.errors import ConfigurationError, StackSpecError
from homelab_acceptance.secret_values import secret_strings
from homelab_acceptance.spec.containment import escape_from
from homelab_acceptance.spec.yaml_positions import line_of, load

DEFAULT_STACK = Path("stack/stack.yaml")
#: The entry-point group provisioners register under (read here by name only: the spec
#: stage never imports the provision stage).
PROVISIONER_GROUP = "homelab_acceptance.provisioners"
#: A stack spec is a few KiB (the reference stack: ~4); anything this large is not one, and is
#: refused before it is read whole or parsed.
MAX_SPEC_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Image:
    name: str
    build: Path | None = None


@dataclass(frozen=True)
class Endpoint:
    service: str
    port: int
    path: str = "/"
    status: int = 200
    body: str | None = None
    node_port: int | None = None


@dataclass(frozen=True)
class Metric:
    query: str
    moves: bool = False
    within_s: float = 120.0


@dataclass(frozen=True)
class LogLine:
    selector: str
    contains: str
    within_s: float = 120.0


@dataclass(frozen=True)
class Alert:
    name: str
    scale_to_zero: str | None = None
    #: Seconds to fire after the cause and to resolve after it is undone; None: derived from
    #: the rule and Prometheus's intervals (checks/alert_deadlines.py).
    within_s: float | None = None
    #: The Alertmanager receiver the alert must be routed to (and, with a notification sink,
    #: delivered by), when declared.
    receiver: str | None = None


@dataclass(frozen=True)
class Expectations:
    endpoints: tuple[Endpoint, ...] = ()
    metrics: tuple[Metric, ...] = ()
    logs: tuple[LogLine, ...] = ()
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class ChartRef:
    """A Helm chart from a repository, pinned: `helm --repo REPOSITORY NAME --version VERSION`
    (or `oci://…/NAME`)."""

    repository: str
    name: str
    version: str


@dataclass(frozen=True)
class Component:
    name: str
    provisioner: str
    #: The local source (manifests dir, chart dir, playbook, module dir); None with `chart`.
    source: Path | None
    namespace: str
    values: tuple[Path, ...] = ()
    #: The values files marked `secret: true` (also in `values`): every string in them is kept
    #: out of every report.
    secret_values: tuple[Path, ...] = ()
    settle_timeout_s: float = 180.0
    images: tuple[Image, ...] = ()
    expect: Expectations = field(default_factory=Expectations)
    chart: ChartRef | None = None

    def local_source(self) -> Path:
        """The source path, for provisioners that only take local sources."""
        if self.source is None:
            raise ConfigurationError(
                f"component {self.name}: provisioner {self.provisioner} needs a local source"
            )
        return self.source


@dataclass(frozen=True)
class StoredClaim:
    namespace: str
    claim: str


@dataclass(frozen=True)
class Limits:
    downtime_budget_s: float | None = None
    recovery_budget_s: float | None = None
    persistent_storage: tuple[StoredClaim, ...] = ()


@dataclass(frozen=True)
class ServiceRef:
    """A Service the checks talk to (through the API server's service proxy)."""

    namespace: str
    name: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ServiceRef:
        where, _, port = text.rpartition(":")
        namespace, _, name = where.partition("/")
        return cls(namespace, name, int(port))

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.port}"


@dataclass(frozen=True)
class SecretRef:
    """A Secret the checks read credentials from, as namespace/name."""

    namespace: str
    name: str

    @classmethod
    def parse(cls, text: str) -> SecretRef:
        namespace, _, name = text.partition("/")
        return cls(namespace, name)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Observability:
    prometheus: ServiceRef | None = None
    alertmanager: ServiceRef | None = None
    grafana: ServiceRef | None = None
    loki: ServiceRef | None = None
    #: A webhook sink Alertmanager notifies, which lists what it received at GET /notifications
    #: (stack/images/alert-sink): where the alert checks look for delivered notifications.
    notifications: ServiceRef | None = None
    grafana_admin_secret: SecretRef | None = None
    #: Alerts meant to fire all the time (a Watchdog-style heartbeat): checked to be firing,
    #: and the only ones allowed to fire while the stack is healthy.
    always_firing: tuple[str, ...] = ()
    #: promtool rule unit-test files (`promtool test rules`), run against the rules Prometheus
    #: has loaded (their own `rule_files` are replaced by those).
    rule_tests: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Stack:
    path: Path
    name: str
    components: tuple[Component, ...]
    limits: Limits = field(default_factory=Limits)
    observability: Observability = field(default_factory=Observability)
    #: Directories outside the spec's own that its paths may point into (`allow_outside`).
    allow_outside: tuple[Path, ...] = ()


def stack_schema() -> dict[str, Any]:
    text = resources.files("homelab_acceptance.spec").joinpath("stack.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def load_stack(path: Path) -> Stack:
    """Read and validate a stack spec; StackSpecError (one line) if it is not valid."""
    root, document = _parse(path)
    _check_schema(path, root, document)
    stack = _build(path, document)
    _check_semantics(path, root, stack)
    return stack


def _parse(path: Path) -> tuple[Node, Any]:
    root, document = load(_read_text(path), path, StackSpecError)
    if root is None:
        raise StackSpecError(
            f"{path}:1: empty: a stack spec starts with apiVersion, kind, components"
        )
    return root, document


def _read_text(path: Path) -> str:
    """The spec's text: at most MAX_SPEC_BYTES are read, and it must be UTF-8."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as error:
        raise StackSpecError(f"{path}: cannot read the stack spec ({error.strerror})") from None
    if len(data) > MAX_SPEC_BYTES:
        raise StackSpecError(
            f"{path}:1: larger than {MAX_SPEC_BYTES // 1024} KiB, so not a stack spec "
            "(one is a few KiB): refused unread"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise StackSpecError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}):"
            " save the file as UTF-8"
        ) from None


def _check_schema(path: Path, root: Node, document: Any) -> None:
    validator = jsonschema.Draft202012Validator(stack_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return
    location = list(error.absolute_path)
    where = _field_name(location) or "(document)"
    line = line_of(root, location)
    raise StackSpecError(f"{path}:{line}: {where}: {_problem(error)}")


def _problem(error: jsonschema.ValidationError) -> str:
    """The validator's complaint, shortened to what a person needs; never the whole input."""
    keyword = error.validator
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "additionalProperties":
        known = sorted((schema.get("properties") or {}).keys())
        extra = sorted(set(error.instance) - set(known)) if isinstance(error.instance, dict) else []
        return f"unknown field(s) {', '.join(map(repr, extra))} (known: {', '.join(known)})"
    if keyword == "oneOf" and isinstance(error.instance, dict) and "provisioner" in error.instance:
        return "give either source (a local path) or chart (helm: a pinned chart), not both"
    if keyword == "required":
        return str(error.message).replace("is a required property", "is required")
    if keyword == "not" and isinstance(error.instance, str) and error.instance.endswith(":latest"):
        return f"{error.instance!r}: pin an exact tag (a :latest image is always pulled)"
    if keyword == "pattern":
        description = schema.get("description")
        return f"{_short(error.instance)} does not match the expected form" + (
            f" ({description})" if description else ""
        )
    message = str(error.message)
    if keyword == "oneOf" and schema.get("description"):
        message = f"{_short(error.instance)} is not {schema['description']}"
    return message if len(message) <= 200 else message[:199] + "…"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _field_name(location: list[Any]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _build(path: Path, document: dict[str, Any]) -> Stack:
    base = path.parent.absolute()  # tools run elsewhere (ansible, tofu): no relative paths
    components = []
    for raw in document["components"]:
        expect = raw.get("expect") or {}
        alerts = tuple(
            Alert(
                a["name"],
                (a.get("cause") or {}).get("scale_to_zero"),
                a.get("within_s"),
                a.get("receiver"),
            )
            for a in expect.get("alerts", [])
        )
        values = [v if isinstance(v, dict) else {"path": v} for v in raw.get("values", [])]
        components.append(
            Component(
                name=raw["name"],
                provisioner=raw["provisioner"],
                source=base / raw["source"] if "source" in raw else None,
                chart=ChartRef(**raw["chart"]) if "chart" in raw else None,
                namespace=raw.get("namespace", raw["name"]),
                values=tuple(base / v["path"] for v in values),
                secret_values=tuple(base / v["path"] for v in values if v.get("secret")),
                settle_timeout_s=raw.get("settle_timeout_s", 180.0),
                images=tuple(
                    Image(i["name"], base / i["build"] if "build" in i else None)
                    for i in raw.get("images", [])
                ),
                expect=Expectations(
                    endpoints=tuple(Endpoint(**e) for e in expect.get("endpoints", [])),
                    metrics=tuple(Metric(**m) for m in expect.get("metrics", [])),
                    logs=tuple(LogLine(**g) for g in expect.get("logs", [])),
                    alerts=alerts,
                ),
            )
        )
    services = dict(document.get("observability") or {})
    secret = services.pop("grafana_admin_secret", None)
    always_firing = tuple(services.pop("always_firing", None) or ())
    rule_tests = tuple(base / t for t in services.pop("rule_tests", None) or ())
    observability = Observability(
        **{k: ServiceRef.parse(v) for k, v in services.items()},
        grafana_admin_secret=SecretRef.parse(secret) if secret else None,
        always_firing=always_firing,
        rule_tests=rule_tests,
    )
    limits = document.get("limits") or {}
    restart = limits.get("node_restart") or {}
    return Stack(
        path=path,
        name=(document.get("metadata") or {}).get("name", path.parent.name or "stack"),
        components=tuple(components),
        limits=Limits(
            downtime_budget_s=restart.get("downtime_budget_s"),
            recovery_budget_s=restart.get("recovery_budget_s"),
            persistent_storage=tuple(
                StoredClaim(**c) for c in limits.get("persistent_storage", [])
            ),
        ),
        observability=observability,
        allow_outside=tuple(base / d for d in document.get("allow_outside", [])),
    )


def _check_semantics(path: Path, root: Node, stack: Stack) -> None:
    seen: set[str] = set()
    installed = sorted({entry.name for entry in entry_points(group=PROVISIONER_GROUP)})
    for number, allowed in enumerate(stack.allow_outside):
        if not allowed.is_dir():
            _fail(path, root, ["allow_outside", number], f"{allowed} is not a directory")
    for index, component in enumerate(stack.components):
        at: list[Any] = ["components", index]
        if component.provisioner not in installed:
            _fail(
                path, root, [*at, "provisioner"],
                f"no provisioner {component.provisioner!r} is installed "
                f"(installed: {', '.join(installed)})",
            )  # fmt: skip
        if component.name in seen:
            _fail(path, root, [*at, "name"], f"{component.name!r} is used twice")
        seen.add(component.name)
        if component.chart is not None and component.provisioner != "helm":
            _fail(
                path, root, [*at, "chart"],
                "only the helm provisioner takes a chart from a repository; "
                f"{component.provisioner} needs a local source",
            )  # fmt: skip
        _check_paths(path, root, stack, component, at)
    for number, tests in enumerate(stack.observability.rule_tests):
        at = ["observability", "rule_tests", number]
        _check_inside(path, root, stack, at, tests)
        if not tests.is_file():
            _fail(path, root, at, f"{tests} does not exist")


def _check_paths(path: Path, root: Node, stack: Stack, component: Component, at: list[Any]) -> None:
    """Every path stays inside the spec's directory (or an allowed one) and exists; secret
    values files can be read."""
    named: list[tuple[list[Any], Path]] = (
        [([*at, "source"], component.source)] if component.source else []
    )
    named += [([*at, "values", n], values) for n, values in enumerate(component.values)]
    named += [
        ([*at, "images", n, "build"], image.build)
        for n, image in enumerate(component.images)
        if image.build is not None
    ]
    for location, target in named:
        _check_inside(path, root, stack, location, target)
    if component.source is not None and not component.source.exists():
        _fail(path, root, [*at, "source"], f"{component.source} does not exist")
    for number, values in enumerate(component.values):
        if not values.is_file():
            _fail(path, root, [*at, "values", number], f"{values} does not exist")
        if values in component.secret_values:
            try:
                secret_strings(values)
            except ConfigurationError as error:
                _fail(path, root, [*at, "values", number], f"secret: {error}")
    for number, image in enumerate(component.images):
        if image.build is not None and not (image.build / "Dockerfile").is_file():
            _fail(path, root, [*at, "images", number, "build"], f"no Dockerfile in {image.build}")


def _check_inside(path: Path, root: Node, stack: Stack, location: list[Any], target: Path) -> None:
    """The path stays inside the spec's directory or one it allows (`allow_outside`)."""
    escape = escape_from(target, [path.parent.absolute(), *stack.allow_outside])
    if escape is not None:
        _fail(
            path, root, location,
            f"{target} {escape}, outside the stack's directory {path.parent.absolute()}; "
            "list the directory under allow_outside to use it",
        )  # fmt: skip


def _fail(path: Path, root: Node, location: list[Any], problem: str) -> None:
    raise StackSpecError(f"{path}:{line_of(root, location)}: {_field_name(location)}: {problem}")
