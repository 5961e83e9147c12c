"""The Go programs the harness builds, each a wrapper module under recipes/ and the main
packages to build from it, with the ldflags upstream's release builds set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

RECIPES = Path(__file__).parent / "recipes"


@dataclass(frozen=True)
class GoProgram:
    """A set of binaries built from one wrapper module."""

    name: str
    #: The upstream version the binaries report (and the cache directory is named after).
    version: str
    #: main package → the binary's file name.
    binaries: dict[str, str]
    ldflags: tuple[str, ...] = ()
    #: Build tags (`go build -tags`), as upstream's release builds set them.
    tags: tuple[str, ...] = ()
    #: Extra environment (CGO_ENABLED, GOTOOLCHAIN where a module needs a newer Go, …).
    env: dict[str, str] = field(default_factory=dict)
    #: The folder of the wrapper modules (the packaged recipes/, unless given).
    recipes: Path = RECIPES

    @property
    def recipe_dir(self) -> Path:
        return self.recipes / self.name


_KUBERNETES_VERSION = "v1.34.4"


def _kubernetes_version_flags(version: str) -> tuple[str, ...]:
    """What upstream's hack/lib/version.sh stamps: without it every binary says v0.0.0."""
    major, minor = version.removeprefix("v").split(".")[:2]
    stamped = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        stamped += [
            f"-X {package}.gitVersion={version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    return tuple(stamped)


#: Kubernetes' server binaries and kubectl, from k8s.io/kubernetes (its staging modules at the
#: matching v0 versions). v1.34: the newest minor whose kubelet still starts on a cgroup v1
#: host without a setting (v1.35 refuses by default), which Docker here runs.
KUBERNETES = GoProgram(
    name="kubernetes",
    version=_KUBERNETES_VERSION,
    binaries={
        f"k8s.io/kubernetes/cmd/{name}": name
        for name in (
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kubelet",
            "kube-proxy",
            "kubectl",
        )
    },
    ldflags=("-s", "-w", *_kubernetes_version_flags(_KUBERNETES_VERSION)),
    env={"CGO_ENABLED": "0"},
)

#: etcd at the version Kubernetes v1.34.4 pins (go.etcd.io/etcd/client/v3 v3.6.4).
ETCD = GoProgram(
    name="etcd",
    version="v3.6.4",
    binaries={"go.etcd.io/etcd/server/v3": "etcd"},
    ldflags=("-s", "-w"),
    env={"CGO_ENABLED": "0"},
)

#: CoreDNS as K3S runs it (a Deployment in kube-system behind the kube-dns Service): v1.14.1,
#: the version K3S's release-1.34 branch ships since k3s-io/k3s#13609. Its Makefile stamps the
#: commit; a module build has none, so the version stands in for it.
COREDNS = GoProgram(
    name="coredns",
    version="v1.14.1",
    binaries={"github.com/coredns/coredns": "coredns"},
    ldflags=("-s", "-w", "-X github.com/coredns/coredns/coremain.GitCommit=v1.14.1"),
    env={"CGO_ENABLED": "0"},
)

#: K3S's local-path provisioner (a Deployment in kube-system, helper pods for each volume):
#: v0.0.30, the newest release the module proxy serves here. Its scripts/build stamps the
#: version into main.VERSION.
LOCAL_PATH_PROVISIONER = GoProgram(
    name="local-path-provisioner",
    version="v0.0.30",
    binaries={"github.com/rancher/local-path-provisioner": "local-path-provisioner"},
    ldflags=("-s", "-w", "-X main.VERSION=v0.0.30"),
    env={"CGO_ENABLED": "0"},
)

#: OpenTofu's CLI, for the opentofu provisioner: v1.12.6. Its release builds set
#: version.dev=no; without it `tofu version` says 1.12.6-dev.
OPENTOFU = GoProgram(
    name="opentofu",
    version="v1.12.6",
    binaries={"github.com/opentofu/opentofu/cmd/tofu": "tofu"},
    ldflags=("-s", "-w", "-X github.com/opentofu/opentofu/version.dev=no"),
    env={"CGO_ENABLED": "0"},
)

#: The Kubernetes provider for the opentofu provisioner's modules, served to tofu (and
#: terraform) from a filesystem mirror: no provider registry is reachable here. v1.13.4 is the
#: newest release the Go module proxy serves (v2 was refused): it has kubernetes_deployment,
#: kubernetes_daemonset, kubernetes_service and the like, but no kubernetes_manifest and no
#: `_v1` names. Its GNUmakefile stamps nothing; the mirror's path carries the version.
TERRAFORM_PROVIDER_KUBERNETES = GoProgram(
    name="terraform-provider-kubernetes",
    version="v1.13.4",
    binaries={
        "github.com/hashicorp/terraform-provider-kubernetes": "terraform-provider-kubernetes"
    },
    ldflags=("-s", "-w"),
    env={"CGO_ENABLED": "0"},
)

#: nektos/act, which runs the Forgejo Actions workflow in a test (tests/integration/
#: test_forgejo_workflow_run.py) where forgejo-runner cannot be had: forgejo-runner's `exec` is
#: a fork of it, and the module proxy here refuses forgejo-runner's module. v0.2.89, MIT.
#: CGO_ENABLED=0 and -s -w as its goreleaser builds; its Makefile stamps main.version (which
#: its VERSION file, embedded, also gives), so `act --version` says 0.2.89.
ACT = GoProgram(
    name="act",
    version="v0.2.89",
    binaries={"github.com/nektos/act": "act"},
    ldflags=("-s", "-w", "-X main.version=0.2.89"),
    env={"CGO_ENABLED": "0"},
)
