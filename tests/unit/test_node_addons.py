"""The node's add-ons run the versions built from their Go modules: each manifest's image is
one make-addon-images makes, tagged with the version the recipe builds."""

from __future__ import annotations

import re

import yaml

from homelab_acceptance.go_programs import COREDNS, LOCAL_PATH_PROVISIONER
from homelab_acceptance.node_image.build import RECIPE_DIR

FILES = RECIPE_DIR / "files"


def _images_made() -> set[str]:
    script = (FILES / "make-addon-images").read_text()
    return set(re.findall(r"make-oci-image (\S+:\S+)", script))


def _images_in(manifest: str) -> set[str]:
    found: set[str] = set()
    for document in yaml.safe_load_all((FILES / manifest).read_text()):
        if document and document["kind"] == "Deployment":
            pod = document["spec"]["template"]["spec"]
            found.update(c["image"] for c in pod["containers"])
        if document and document["kind"] == "ConfigMap" and "helperPod.yaml" in document["data"]:
            helper = yaml.safe_load(document["data"]["helperPod.yaml"])
            found.update(c["image"] for c in helper["spec"]["containers"])
    return found


def test_each_add_on_image_is_made_by_the_recipe_at_the_built_version() -> None:
    made = _images_made()
    assert _images_in("coredns.yaml") == {
        f"docker.io/rancher/mirrored-coredns-coredns:{COREDNS.version.removeprefix('v')}"
    }
    assert _images_in("local-storage.yaml") == {
        f"docker.io/rancher/local-path-provisioner:{LOCAL_PATH_PROVISIONER.version}",
        "homelab-acceptance.local/busybox:bookworm",
    }
    assert _images_in("coredns.yaml") | _images_in("local-storage.yaml") <= made


def test_the_kubelet_sandbox_image_is_made_by_the_recipe() -> None:
    init = (FILES / "homelab-node-init").read_text()
    sandbox = re.search(r"--pod-infra-container-image=(\S+)", init)
    assert sandbox is not None
    assert sandbox[1] in _images_made()
