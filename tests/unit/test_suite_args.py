"""Where the packaged suites go in pytest's arguments: appended when they lie outside the
project, left alone where they are named or pytest recurses into them, and with a venv inside
the project (pytest would merge them into the project folder and skip the venv) the project
folder is replaced by its entries."""

from __future__ import annotations

from pathlib import Path

from homelab_acceptance.pytest_plugin.suite_args import args_with_suites, hidden_by

HIDDEN = hidden_by([".*", "venv", "build"])


def is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") and path.suffix == ".py"


def make_repo(root: Path) -> Path:
    """A user's repo with its own tests, manifests, a root test file and a venv inside."""
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_mine.py").write_text("")
    (root / "apps").mkdir()
    (root / "test_top.py").write_text("")
    (root / "setup.py").write_text("")
    (root / ".git").mkdir()
    venv = root / ".venv"
    (venv / "lib" / "python3.11" / "site-packages" / "homelab_acceptance" / "suites").mkdir(
        parents=True
    )
    (venv / "pyvenv.cfg").write_text("")
    return venv / "lib" / "python3.11" / "site-packages" / "homelab_acceptance" / "suites"


def test_suites_outside_the_project_are_appended(tmp_path: Path) -> None:
    suites = tmp_path / "elsewhere" / "suites"
    suites.mkdir(parents=True)
    repo = tmp_path / "repo"
    repo.mkdir()
    assert args_with_suites([str(repo)], suites, HIDDEN, is_test_file) == [
        str(repo),
        str(suites),
    ]


def test_suites_named_already_are_left_alone(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    assert args_with_suites([str(suites)], suites, HIDDEN, is_test_file) == [str(suites)]


def test_suites_pytest_recurses_into_are_left_alone(tmp_path: Path) -> None:
    suites = tmp_path / "repo" / "suites"
    suites.mkdir(parents=True)
    repo = str(tmp_path / "repo")
    assert args_with_suites([repo], suites, HIDDEN, is_test_file) == [repo]


def test_a_venv_inside_the_project_gets_the_projects_entries_and_the_suites(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    suites = make_repo(repo)
    assert args_with_suites([str(repo)], suites, HIDDEN, is_test_file) == [
        str(repo / "apps"),
        str(repo / "test_top.py"),
        str(repo / "tests"),
        str(suites),
    ]


def test_other_arguments_are_kept_in_their_order(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    suites = make_repo(repo)
    other = tmp_path / "more"
    other.mkdir()
    result = args_with_suites([str(other), str(repo)], suites, HIDDEN, is_test_file)
    assert result[0] == str(other)
    assert result[-1] == str(suites)
