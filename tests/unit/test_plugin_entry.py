"""The plugin's entry point: off in a project that uses none of it, on when the ini names the
stack (then the packaged suites are collected beside the project's tests), and one line with
exit code 4 for a stack that cannot be found or a path option in the space form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "homelab-repo"
USAGE_ERROR = 4

#: Asserts, inside the run, that nothing heavy was imported by the plugin.
NOTHING_LOADED = """
import sys

def test_plain():
    assert "homelab_acceptance.pytest_plugin.session" not in sys.modules
    assert "kubernetes" not in sys.modules
    assert "docker" not in sys.modules
"""

OWN_TEST = """
def test_mine(kube_api):
    pass
"""


def example_repo(pytester: pytest.Pytester) -> Path:
    """The example infra repo, copied into the pytester dir (its own test left out)."""
    for item in EXAMPLE.iterdir():
        if item.is_dir():
            shutil.copytree(item, pytester.path / item.name)
        else:
            shutil.copy(item, pytester.path / item.name)
    shutil.rmtree(pytester.path / "tests")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_mine.py").write_text(OWN_TEST)
    return pytester.path


def collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line]


def test_an_unrelated_project_gets_nothing_from_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain=NOTHING_LOADED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0, result.outlines
    assert not (pytester.path / "reports").exists()
    assert not any(line.startswith("acceptance:") for line in result.outlines)


def test_the_ini_key_collects_the_packaged_suites_beside_the_projects_tests(
    pytester: pytest.Pytester,
) -> None:
    example_repo(pytester)
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0, result.outlines
    found = collected(result)
    assert any(line.startswith("tests/test_mine.py::test_mine") for line in found), found
    # The packaged suites are outside the rootdir: pytest names them from their own folder.
    modules = {line.split("::")[0] for line in found if not line.startswith("tests/")}
    assert {"test_smoke.py", "test_single_node_limits.py", "test_stack.py"} <= modules, modules
    assert any("test_endpoint_answers_from_the_host[web/" in line for line in found), found


def test_the_stack_option_runs_the_same_checks_as_the_ini_key(pytester: pytest.Pytester) -> None:
    repo = example_repo(pytester)
    by_ini = collected(pytester.runpytest_subprocess("--collect-only", "-q"))
    (repo / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    by_option = collected(
        pytester.runpytest_subprocess("--collect-only", "-q", "--stack=stack.yaml")
    )
    assert by_option == by_ini
    assert len(by_ini) > 20


def test_selection_works_on_the_packaged_suites(pytester: pytest.Pytester) -> None:
    example_repo(pytester)
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-m", "endpoint")
    found = collected(result)
    assert found, result.outlines
    assert all("test_endpoint_answers" in line for line in found), found


def test_an_explicit_test_path_runs_only_that(pytester: pytest.Pytester) -> None:
    example_repo(pytester)
    result = pytester.runpytest_subprocess("--collect-only", "-q", "tests")
    assert collected(result) == ["tests/test_mine.py::test_mine"]


def test_the_space_form_of_the_stack_option_is_refused_with_one_line(
    pytester: pytest.Pytester,
) -> None:
    example_repo(pytester)
    result = pytester.runpytest_subprocess("--stack", "stack.yaml")
    assert result.ret == USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "write --stack=PATH" in errors[0]


def test_a_stack_the_ini_names_that_is_missing_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nhomelab_stack = infra/stack.yaml\n")
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess()
    assert result.ret == USAGE_ERROR
    assert any(
        "no stack spec at" in line and "infra/stack.yaml" in line and "homelab_stack" in line
        for line in result.errlines
    ), result.errlines
    assert not (pytester.path / "reports").exists()


def test_checks_that_need_a_stack_and_find_none_end_with_exit_4(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_needs_stack="def test_it(stack):\n    pass\n")
    result = pytester.runpytest_subprocess("--cluster", "debian://")
    assert result.ret == USAGE_ERROR, result.outlines
    assert any("no stack spec" in line for line in result.errlines), result.errlines


def test_nodeports_one_node_cannot_publish_are_named_before_anything_starts(
    pytester: pytest.Pytester,
) -> None:
    repo = example_repo(pytester)
    spec = (repo / "stack.yaml").read_text()
    spec = spec.replace("node_port: 30080}", "node_port: 32000}")
    spec = spec.replace(
        '      - {name: "my-homelab/redis:7.0-deb12", build: images/redis}\n',
        '      - {name: "my-homelab/redis:7.0-deb12", build: images/redis}\n'
        "    expect:\n      endpoints:\n        - {service: redis, port: 6379, node_port: 30000}\n",
    )
    (repo / "stack.yaml").write_text(spec)
    # Refused while pytest configures, before any cluster starts.
    result = pytester.runpytest_subprocess("--cluster", "debian://", "-p", "no:cacheprovider")
    assert result.ret == USAGE_ERROR, result.outlines
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.errlines
    assert "30000 of redis (redis:6379), 32000 of web (web:80) are 2000 apart" in errors[0]
