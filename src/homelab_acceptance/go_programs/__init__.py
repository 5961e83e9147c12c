"""Programs built from their Go modules with the machine's Go, the ordinary way: a small
wrapper module of ours (recipes/<name>/go.mod and go.sum) that requires the upstream module,
copies its replace lines where they matter, and names the main packages as tools. Each build
is cached by a content key (the recipe's files, the packages, the flags, the Go version), so
a second setup finds it in well under a second; a cold one shows progress for its minutes.
An image recipe may carry such a wrapper module too (image_recipe.py): build_local_image
builds its programs into the image's build context."""

from homelab_acceptance.go_programs.build import built_program, cache_entry
from homelab_acceptance.go_programs.image_recipe import image_go_program
from homelab_acceptance.go_programs.recipe import (
    ACT,
    COREDNS,
    ETCD,
    KUBERNETES,
    LOCAL_PATH_PROVISIONER,
    OPENTOFU,
    TERRAFORM_PROVIDER_KUBERNETES,
    GoProgram,
)

__all__ = [
    "ACT",
    "COREDNS",
    "ETCD",
    "KUBERNETES",
    "LOCAL_PATH_PROVISIONER",
    "OPENTOFU",
    "TERRAFORM_PROVIDER_KUBERNETES",
    "GoProgram",
    "built_program",
    "cache_entry",
    "image_go_program",
]
