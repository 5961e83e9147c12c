"""The example infra repo (examples/homelab-repo), run as its owner would: the repo copied to a
temp dir outside the checkout, the harness built as a wheel and installed into a fresh venv
inside it (`.venv`), and plain `pytest` run there (on debian://, which `auto` picks here). The
built-in suites run from the installed package beside the owner's own test, the restart
downtime of the repo's own endpoint is measured, the report is written; a broken copy exits 1
naming the check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "homelab-repo"
RESTART_CHECK = "test_a_node_restart_takes_every_component_down_and_back_within_the_budgets"

pytestmark = pytest.mark.docker


def wheel_of_the_harness(work: Path) -> Path:
    wheels = work / "wheels"
    pip = [sys.executable, "-m", "pip"]
    build = subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    return next(wheels.glob("homelab_acceptance-*.whl"))


@pytest.fixture(scope="module")
def users_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example with a fresh venv inside it (`.venv`, as a user makes one) and
    the harness's wheel installed there, as `pip install` gives a user."""
    work = tmp_path_factory.mktemp("user")
    repo = work / "my-homelab"
    shutil.copytree(EXAMPLE, repo)
    venv = repo / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel_of_the_harness(work))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    return repo


def run_pytest(venv: Path, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(venv / "bin" / "pytest"), "-p", "no:cacheprovider", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip


def copy_of_example(tmp_path: Path) -> Path:
    repo = tmp_path / "my-homelab"
    shutil.copytree(EXAMPLE, repo)
    return repo


def test_the_suites_run_from_the_installed_package_in_a_users_repo(users_repo: Path) -> None:
    repo = users_repo
    run = run_pytest(repo / ".venv", repo, "-rA")
    tail = run.stdout[-4000:]
    assert run.returncode == 0, tail
    assert "acceptance: ACCEPTED" in run.stdout, tail
    results = json.loads((repo / "reports" / "results.json").read_text())
    checks = {check["id"]: check for check in results["checks"]}
    ran_from = {check_id.split("::")[0].rsplit("/", 1)[-1] for check_id in checks}
    # The built-in suites came from the installed package, not from a copy in the repo.
    assert {"test_smoke.py", "test_single_node_limits.py", "test_redis.py"} <= ran_from, ran_from
    assert not (repo / "suites").exists()
    restart = next(c for c in checks.values() if RESTART_CHECK in c["id"])
    assert restart["status"] == "confirmed-limitation", restart
    availability = restart["evidence"]["availability"]
    assert set(availability) == {"api", "web:/"}, availability
    assert availability["web:/"]["downtime_s"] > 0, availability
    assert restart["evidence"]["claim_markers_after"], restart["evidence"]
    own = next(c for c in checks.values() if "test_redis_answers_and_stores_a_key" in c["id"])
    assert own["status"] == "passed", own
    html = (repo / "reports" / "acceptance.html").read_text()
    assert "web:/" in html


def test_a_broken_copy_of_the_users_repo_is_rejected_naming_the_check(
    users_repo: Path, tmp_path: Path
) -> None:
    repo = copy_of_example(tmp_path)  # the same venv, run from a copy beside it
    web = repo / "apps" / "web" / "web.yaml"
    # The Service sends to a port nothing listens on: it has endpoints, but nothing answers.
    wrong = web.read_text().replace("targetPort: http", "targetPort: 8081")
    web.write_text(wrong)
    run = run_pytest(users_repo / ".venv", repo, "-m", "endpoint")
    tail = run.stdout[-4000:]
    assert run.returncode == 1, tail
    assert "acceptance: REJECTED" in run.stdout, tail
    assert "FAILED" in run.stdout, tail
    assert "test_endpoint_answers_from_the_host[web" in run.stdout, tail
    # A failed built-in check shows its reason and evidence, not the harness's traceback.
    assert "evidence: {" in run.stdout, tail
    assert "homelab_acceptance/checks/" not in run.stdout, tail
