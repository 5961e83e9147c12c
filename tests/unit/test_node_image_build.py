from __future__ import annotations

import pytest

from homelab_acceptance.errors import NodeImageBuildError
from homelab_acceptance.node_image.build import _BuildState, content_key, recipe_files


def test_the_content_key_covers_the_recipe_and_the_base_image() -> None:
    assert content_key("sha256:aaa") == content_key("sha256:aaa")
    assert content_key("sha256:aaa") != content_key("sha256:bbb")
    names = {path.name for path in recipe_files()}
    assert {"Dockerfile", "homelab-node-init", "containerd.toml"} <= names


def test_progress_names_each_step_and_the_kubernetes_build_lines() -> None:
    said: list[str] = []
    state = _BuildState()
    state.observe({"stream": "Step 8/23 : RUN make WHAT=cmd/kubelet\n"}, said.append)
    state.observe(
        {"stream": "+++ [1124 20:35:13] Building go targets for linux/amd64:\n"}, said.append
    )
    state.observe({"stream": "some compiler chatter\n"}, said.append)
    assert said == [
        "node image: step 8/23 (RUN make WHAT=cmd/kubelet)",
        "node image:   [1124 20:35:13] Building go targets for linux/amd64:",
    ]


def test_a_failing_step_is_named_with_its_last_output() -> None:
    state = _BuildState()
    state.observe({"stream": "Step 11/23 : RUN apt-get install -y etcd-server\n"}, lambda _: None)
    state.observe({"stream": "E: Unable to locate package etcd-server\n"}, lambda _: None)
    with pytest.raises(NodeImageBuildError) as raised:
        state.observe({"errorDetail": {"message": "returned a non-zero code: 100"}}, lambda _: None)
    message = str(raised.value)
    assert "step 11/23 (RUN apt-get install -y etcd-server) failed" in message
    assert "Unable to locate package etcd-server" in message
    assert "\n" not in message
