"""Secrets never reach a report file: known ones (kubeconfig credentials, the stack's Secret
values, registered ones) and patterns (private keys, bearer tokens, Grafana tokens, values under
password/token/secret keys)."""

from __future__ import annotations

import base64
import json

import pytest

from homelab_acceptance.report.redaction import REDACTED, Redactor, is_secret_key

pytest_plugins = ["pytester"]

PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAseededKeyMaterial0123\n"
    "-----END RSA PRIVATE KEY-----\n"
)
KUBE_TOKEN = "kube-token-0123456789abcdef"
CLIENT_CERT = "seeded-client-certificate-body"
SECRET_PASSWORD = "hunter2-plain-value"
SECRET_DATA = "data-secret-value-42"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_known_secrets_go_as_given_and_base64_encoded() -> None:
    redactor = Redactor()
    redactor.register_secret(SECRET_PASSWORD)
    text = f"login with {SECRET_PASSWORD}, stored as {b64(SECRET_PASSWORD)}"
    assert redactor.redact_text(text) == f"login with {REDACTED}, stored as {REDACTED}"


def test_a_very_short_value_is_not_taken_for_a_secret() -> None:
    redactor = Redactor()
    redactor.register_secret("ab")
    assert redactor.redact_text("tab stab") == "tab stab"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        (PRIVATE_KEY, f"{REDACTED}\n"),
        ("Authorization: Bearer eyJhbGci.OiJ-IUz_I1=", f"Authorization: Bearer {REDACTED}"),
        ("key glsa_AbC123_def456 used", f"key {REDACTED} used"),
    ],
)
def test_patterns_are_redacted_without_registration(text: str, left: str) -> None:
    assert Redactor().redact_text(text) == left


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("adminPassword", True),
        ("bearer_token", True),
        ("client-secret", True),
        ("secretName", False),
        ("token_count_s", True),
        ("tokens_seen", False),
        ("downtime_s", False),
    ],
)
def test_which_keys_hold_secrets(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_values_under_secret_keys_go_in_nested_data_and_the_rest_stays() -> None:
    data = {"grafana": {"adminPassword": "p4ss", "port": 3000}, "items": [{"token": 12345}]}
    assert Redactor().redact(data) == {
        "grafana": {"adminPassword": REDACTED, "port": 3000},
        "items": [{"token": REDACTED}],
    }


SEEDED_CONFTEST = '''
import base64
from pathlib import Path

import pytest

from homelab_acceptance.cluster import Cluster


class SeededCluster(Cluster):
    """Only what the report reads of a cluster: its kubeconfig and its description."""

    provider = "debian"
    ephemeral = True

    def __init__(self, kubeconfig: Path) -> None:
        self._kubeconfig = kubeconfig

    @property
    def kubeconfig_path(self) -> Path:
        return self._kubeconfig

    def describe(self) -> dict[str, str]:
        return {{"provider": "debian://", "kubernetes_version": "v1.20.2", "node_image": "n:1"}}

    def up(self): raise AssertionError("not used by the report")
    def down(self): raise AssertionError("not used by the report")
    def restart_node(self): raise AssertionError("not used by the report")
    def import_images(self, images): raise AssertionError("not used by the report")
    def kubernetes_version(self): raise AssertionError("not used by the report")
    def node_name(self): raise AssertionError("not used by the report")
    def node_port_address(self, node_port): raise AssertionError("not used by the report")


@pytest.fixture(scope="session")
def cluster():
    return SeededCluster(Path(__file__).parent / "kubeconfig")
'''

SEEDED_SUITE = """
SEEN = {seen!r}


def test_records_what_it_saw(cluster, evidence):
    evidence["answers"] = SEEN
    evidence["headers"] = {{"Authorization": "Bearer " + SEEN[0]}}
    assert False, "the API said: " + " ".join(SEEN)
"""


def test_no_seeded_secret_reaches_any_report_file(pytester: pytest.Pytester) -> None:
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "users": [
            {
                "name": "admin",
                "user": {
                    "client-key-data": b64(PRIVATE_KEY),
                    "client-certificate-data": b64(CLIENT_CERT),
                    "token": KUBE_TOKEN,
                },
            }
        ],
    }
    (pytester.path / "kubeconfig").write_text(json.dumps(kubeconfig))
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n"
        f"stringData:\n  password: {SECRET_PASSWORD}\ndata:\n  key: {b64(SECRET_DATA)}\n"
    )
    (pytester.path / "stack.yaml").write_text(
        "apiVersion: homelab-acceptance/v1\nkind: Stack\nmetadata:\n  name: seeded\n"
        "components:\n  - name: app\n    provisioner: manifests\n    source: app\n"
        "    namespace: apps\n"
    )
    secrets = [KUBE_TOKEN, CLIENT_CERT, PRIVATE_KEY, SECRET_PASSWORD, SECRET_DATA]
    seen = [
        *secrets,
        b64(PRIVATE_KEY),
        b64(SECRET_PASSWORD),
        "MIIEowIBAAKCAQEAseededKeyMaterial0123",
    ]
    pytester.makeconftest(SEEDED_CONFTEST.format())
    pytester.makepyfile(test_seeded=SEEDED_SUITE.format(seen=seen))
    run = pytester.runpytest(
        "-p",
        "homelab_acceptance.pytest_plugin.report",
        "-p",
        "no:cacheprovider",
        "--stack=stack.yaml",
        str(pytester.path),  # its own checks only, not the packaged suites as well
    )
    assert run.ret == 1
    # Every file under the report dir: the report and the failed check's forensics bundle.
    written = sorted(p for p in (pytester.path / "reports").rglob("*") if p.is_file())
    assert {"results.json", "acceptance.md", "junit.xml"} <= {p.name for p in written}
    for path in written:
        text = path.read_text()
        for value in seen:
            assert value not in text, f"{path.name} holds a seeded secret"
    results = json.loads((pytester.path / "reports" / "results.json").read_text())
    check = results["checks"][0]
    assert [answer.strip() for answer in check["evidence"]["answers"]] == [REDACTED] * len(seen)
    assert check["message"].startswith(f"the API said: {REDACTED}")
    assert results["environment"]["kubernetes_version"] == "v1.20.2"
    assert not any(value in line for line in run.outlines[-1:] for value in seen)


def test_a_secret_registered_at_run_time_is_redacted(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_runtime="""
from homelab_acceptance.pytest_plugin.report import register_secret


def test_learns_a_password(request, evidence):
    register_secret(request.config, "grafana-admin-pw-from-cluster")
    evidence["login"] = "admin:grafana-admin-pw-from-cluster"
"""
    )
    run = pytester.runpytest(
        "-p", "homelab_acceptance.pytest_plugin.report", "-p", "no:cacheprovider"
    )
    assert run.ret == 0
    results = (pytester.path / "reports" / "results.json").read_text()
    assert "grafana-admin-pw-from-cluster" not in results
    assert f"admin:{REDACTED}" in results


def test_a_progress_line_goes_through_the_redactor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_progress="""
from homelab_acceptance.pytest_plugin.report import register_secret
from homelab_acceptance.pytest_plugin.session_state import progress_printer


def test_says_what_it_does(request):
    register_secret(request.config, "password-a-tool-echoed")
    progress_printer(request.config)("helm: values: password-a-tool-echoed")
"""
    )
    run = pytester.runpytest_subprocess(
        "-p", "homelab_acceptance.pytest_plugin.report", "-p", "no:cacheprovider", "-s"
    )
    assert run.ret == 0
    assert f"helm: values: {REDACTED}" in run.stdout.str()
    assert "password-a-tool-echoed" not in run.stdout.str()
