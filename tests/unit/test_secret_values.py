"""Values files marked secret: every string in them (YAML, JSON, tfvars) is a known secret of
the run, so the report's redactor keeps it out of every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.report.redaction import REDACTED, Redactor
from homelab_acceptance.report.secret_sources import stack_secrets
from homelab_acceptance.secret_values import secret_strings
from homelab_acceptance.spec import load_stack


def test_every_string_of_a_yaml_or_json_file_is_read(tmp_path: Path) -> None:
    values = tmp_path / "secret.yaml"
    values.write_text(
        "db:\n  password: s3cret-pw\n  port: 5432\n  users: [ann-admin, {b: bob-x}]\n"
    )
    assert secret_strings(values) == ["s3cret-pw", "ann-admin", "bob-x"]
    as_json = tmp_path / "secret.json"
    as_json.write_text('{"token": "tok-123456", "n": 1}')
    assert secret_strings(as_json) == ["tok-123456"]


def test_every_quoted_string_of_a_tfvars_file_is_read(tmp_path: Path) -> None:
    tfvars = tmp_path / "secret.tfvars"
    tfvars.write_text('password = "pa\\"ss-word"\nreplicas = 2\ntags = { owner = "me-myself" }\n')
    assert secret_strings(tfvars) == ['pa"ss-word', "me-myself"]


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the secret values file"):
        secret_strings(tmp_path / "absent.yaml")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [*a]\n")
    with pytest.raises(ConfigurationError, match=r"bomb\.yaml:1: not accepted: an alias refers"):
        secret_strings(bomb)


def test_a_stacks_secret_values_reach_the_redactor_and_plain_ones_do_not(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "public.yaml").write_text("greeting: hello-world\n")
    (tmp_path / "secret.yaml").write_text("adminPass: correct-horse\n")
    (tmp_path / "secret.tfvars").write_text('api_key = "battery-staple"\n')
    spec = tmp_path / "stack.yaml"
    spec.write_text(
        "apiVersion: homelab-acceptance/v1\nkind: Stack\ncomponents:\n"
        "  - name: app\n    provisioner: manifests\n    source: app\n"
        "    values: [public.yaml, {path: secret.yaml, secret: true},"
        " {path: secret.tfvars, secret: true}]\n"
    )
    secrets = stack_secrets(load_stack(spec))
    assert "correct-horse" in secrets
    assert "battery-staple" in secrets
    assert "hello-world" not in secrets
    redactor = Redactor()
    for secret in secrets:
        redactor.register_secret(secret)
    assert redactor.redact_text("x correct-horse y battery-staple") == f"x {REDACTED} y {REDACTED}"
