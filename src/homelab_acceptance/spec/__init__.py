"""The stack spec (stage one): stack.yaml read, validated against `stack.schema.json` and
checked for meaning, into the typed `Stack` every later stage is handed. `stack` holds the
model and the loader, `containment` the rule that paths stay inside the spec's folder,
`yaml_positions` the file:line of every node for one-line errors."""

from homelab_acceptance.spec.stack import (
    DEFAULT_STACK,
    MAX_SPEC_BYTES,
    PROVISIONER_GROUP,
    Alert,
    ChartRef,
    Component,
    Endpoint,
    Expectations,
    Image,
    Limits,
    LogLine,
    Metric,
    Observability,
    SecretRef,
    ServiceRef,
    Stack,
    StoredClaim,
    load_stack,
    stack_schema,
)

__all__ = [
    "DEFAULT_STACK",
    "MAX_SPEC_BYTES",
    "PROVISIONER_GROUP",
    "Alert",
    "ChartRef",
    "Component",
    "Endpoint",
    "Expectations",
    "Image",
    "Limits",
    "LogLine",
    "Metric",
    "Observability",
    "SecretRef",
    "ServiceRef",
    "Stack",
    "StoredClaim",
    "load_stack",
    "stack_schema",
]
