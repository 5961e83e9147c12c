"""A secret seeded into a stack (a values file marked secret, a Secret manifest) appears in no
file of the report and nowhere in the run's output, after a real run of the smoke suite on a
real debian:// cluster with the report plugin on. The stack lives in a directory named after
the secret value, so the stack path the report records carries it: without the values file's
registration with the redactor, results.json would show it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
VALUES_SECRET = "seeded-values-secret-7f3a"
MANIFEST_SECRET = "seeded-manifest-secret-91c2"


def test_a_seeded_secret_is_in_no_report_file_and_not_in_the_output(tmp_path: Path) -> None:
    stack_dir = tmp_path / VALUES_SECRET
    (stack_dir / "app").mkdir(parents=True)
    (stack_dir / "app" / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: app-credentials}\n"
        f"stringData: {{password: {MANIFEST_SECRET}}}\n"
    )
    (stack_dir / "credentials.yaml").write_text(f"database:\n  password: {VALUES_SECRET}\n")
    stack = stack_dir / "stack.yaml"
    stack.write_text(
        "apiVersion: homelab-acceptance/v1\nkind: Stack\ncomponents:\n"
        "  - name: app\n    provisioner: manifests\n    source: app\n    namespace: app\n"
        "    values: [{path: credentials.yaml, secret: true}]\n"
    )
    reports = tmp_path / "reports"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / "suites" / "test_smoke.py"), "-p",
         "no:cacheprovider", "-rA", f"--stack={stack}", "--report-dir", str(reports),
         "--cluster", "debian://"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    written = sorted(path for path in reports.rglob("*") if path.is_file())
    assert {path.name for path in written} >= {"results.json", "acceptance.md", "junit.xml"}
    for secret in (VALUES_SECRET, MANIFEST_SECRET):
        assert [p.name for p in written if secret in p.read_text(errors="replace")] == []
        assert secret not in result.stdout + result.stderr
    # The seed reached the report (as the stack's path) and was redacted there.
    assert "«redacted»" in (reports / "results.json").read_text()
