"""A Kubernetes node in one Docker container: the part every node-in-a-container provider
shares (debian:// now, k3s:// later), so restart, image import and teardown run one code path.

The container, its state volume and its network carry the run's labels. It is started
privileged when the engine allows, else with the capability set that works in sandboxes that
refuse --privileged (ENVIRONMENT.md), and `security_mode` says which.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import queue
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import docker
from docker.errors import APIError, NotFound

from homelab_acceptance.cluster.host_ports import LOOPBACK
from homelab_acceptance.docker.engine import docker_environment
from homelab_acceptance.errors import ClusterError, PortTakenError

log = logging.getLogger(__name__)

STATE_DIR = "/var/lib/homelab-node"
PRIVILEGED = "privileged"
CAPABILITIES = "capabilities (no --privileged: the engine refused it)"
#: How often an image import says how far its stream has got.
IMPORT_PROGRESS_S = 10.0
_UNPACKED = re.compile(r"unpacking (\S+) \(sha256:[0-9a-f]+\)\.\.\.done")

_CAPABILITY_OPTIONS: dict[str, Any] = {
    "cap_add": ["ALL"],
    "cap_drop": ["SYS_RESOURCE"],
    "security_opt": ["seccomp=unconfined", "apparmor=unconfined"],
    "devices": ["/dev/kmsg:/dev/kmsg"],
}


@dataclass(frozen=True)
class NodeContainerSpec:
    """Everything needed to run a node container; `published` maps container ports to
    host ports on 127.0.0.1, chosen by the caller so they survive restarts."""

    image: str
    name: str
    hostname: str
    labels: dict[str, str]
    published: dict[int, int] = field(default_factory=dict)
    #: Where the node keeps its state; the labelled volume is mounted here.
    state_dir: str = STATE_DIR
    #: Arguments to the image's entrypoint (K3S: `server …`).
    command: tuple[str, ...] = ()
    #: A command of the image that exits at once, for the --privileged probe.
    probe_command: tuple[str, ...] = ("true",)
    #: Files put into the container before it starts: absolute path -> content, or a host
    #: file to copy (streamed: air-gap image archives can be large).
    files: dict[str, bytes | Path] = field(default_factory=dict)


class NodeContainer:
    """The node's container, state volume and network. No Docker I/O until `start()`."""

    def __init__(self, client: docker.DockerClient, spec: NodeContainerSpec) -> None:
        self.client = client
        self.spec = spec
        self.security_mode = "not started"

    @property
    def volume_name(self) -> str:
        return f"{self.spec.name}-state"

    @property
    def network_name(self) -> str:
        return self.spec.name

    def start(self) -> None:
        """Create the network, the volume and the container, and start it."""
        self.security_mode = self.probe_security_mode()
        log.info("node container %s runs %s", self.spec.name, self.security_mode)
        self.client.networks.create(self.network_name, driver="bridge", labels=self.spec.labels)
        self.client.volumes.create(self.volume_name, labels=self.spec.labels)
        try:
            self.create(privileged=self.security_mode == PRIVILEGED)
            self._start()
        except APIError as error:
            raise ClusterError(
                f"node container {self.spec.name} did not start ({self.security_mode}): "
                f"{_explanation(error)}"
            ) from None

    def probe_security_mode(self) -> str:
        """Try --privileged on a throwaway container first: a failed start of the real one
        costs seconds (its published ports are set up and torn down again)."""
        probe_name = f"{self.spec.name}-privileged-probe"
        try:
            self.client.containers.run(
                self.spec.image,
                entrypoint=list(self.spec.probe_command),
                name=probe_name,
                labels=self.spec.labels,
                privileged=True,
                network_mode="none",
                remove=True,
            )
        except APIError as refused:
            with contextlib.suppress(NotFound):
                self.client.containers.get(probe_name).remove(force=True)
            log.info("node container: --privileged refused (%s)", _explanation(refused))
            return CAPABILITIES
        return PRIVILEGED

    def create(self, *, privileged: bool) -> None:
        """Create the container (not started) with its files in place."""
        api = self.client.api
        security: dict[str, Any] = {"privileged": True} if privileged else dict(_CAPABILITY_OPTIONS)
        host_config = api.create_host_config(
            binds={
                self.volume_name: {"bind": self.spec.state_dir, "mode": "rw"},
                "/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"},
                "/lib/modules": {"bind": "/lib/modules", "mode": "ro"},
            },
            tmpfs={"/run": "exec,mode=755"},
            port_bindings={
                inner: (LOOPBACK, outer) for inner, outer in self.spec.published.items()
            },
            network_mode=self.network_name,
            **security,
        )
        if not privileged:
            # `--security-opt systempaths=unconfined`, which the API spells as empty lists:
            # kube-proxy and the kubelet write to /proc/sys.
            host_config["MaskedPaths"] = []
            host_config["ReadonlyPaths"] = []
        api.create_container(
            self.spec.image,
            command=list(self.spec.command) or None,
            name=self.spec.name,
            hostname=self.spec.hostname,
            labels=self.spec.labels,
            ports=list(self.spec.published),
            host_config=host_config,
            networking_config=api.create_networking_config(
                {self.network_name: api.create_endpoint_config()}
            ),
            stop_signal="SIGTERM",
            detach=True,
        )
        if self.spec.files:
            with tempfile.TemporaryFile() as archive:
                _write_tar(archive, self.spec.files)
                archive.seek(0)
                api.put_archive(self.spec.name, "/", archive)

    def _start(self) -> None:
        try:
            self.client.api.start(self.spec.name)
        except APIError as error:
            text = _explanation(error)
            if "port is already allocated" in text or "address already in use" in text:
                self._remove_container()
                raise PortTakenError(
                    f"node container {self.spec.name}: a host port on {LOOPBACK} is taken ({text})"
                ) from None
            raise

    def restart(self, stop_timeout_s: int = 20) -> None:
        self._container().restart(timeout=stop_timeout_s)

    def is_running(self) -> bool:
        try:
            return str(self._container().status) == "running"
        except ClusterError:
            return False

    def exec(self, command: Sequence[str]) -> tuple[int, str]:
        result = self._container().exec_run(list(command), demux=False)
        output = result.output.decode(errors="replace") if result.output else ""
        return int(result.exit_code), output

    def read_file(self, path: str) -> str:
        code, output = self.exec(["cat", path])
        if code != 0:
            raise ClusterError(
                f"node container {self.spec.name}: cannot read {path}: {output.strip()}"
            )
        return output

    def logs(self, lines: int = 30) -> str:
        try:
            return str(self._container().logs(tail=lines).decode(errors="replace"))
        except ClusterError:
            return ""

    def import_images(
        self, images: Sequence[str], importer: Sequence[str], progress: Callable[[str], None]
    ) -> None:
        """Pipe one `docker save` of all `images` into `importer` run inside the node (e.g. ctr
        import): layers the images share (their Debian base) cross only once. `progress` hears
        it as it goes: each image and its size first, the MiB sent every IMPORT_PROGRESS_S
        while the stream lasts, each image once the importer says it unpacked it (ctr does),
        and the whole at the end."""
        docker_cli = shutil.which("docker")
        if docker_cli is None:
            raise ClusterError(
                "importing images needs the docker CLI on PATH (apt-get install docker.io)"
            )
        for image in images:
            progress(f"cluster: importing {image} ({self._image_size(image)}) …")
        engine = docker_environment()  # the engine the client reached, not another one
        with tempfile.TemporaryFile() as save_errors, tempfile.TemporaryFile() as load_errors:
            save = subprocess.Popen(
                [docker_cli, "save", *images],
                stdout=subprocess.PIPE,
                stderr=save_errors,
                env=engine,
            )
            load = subprocess.Popen(
                [docker_cli, "exec", "-i", self.spec.name, *importer],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=load_errors,
                env=engine,
            )
            try:
                _ImportStream(images, progress).follow(save, load)
            finally:
                for process in (save, load):
                    if process.poll() is None:
                        process.kill()
                        process.wait()
            save_errors.seek(0)
            load_errors.seek(0)
            save_error = save_errors.read().decode(errors="replace").strip()
            detail = load_errors.read().decode(errors="replace").strip().splitlines()
        named = ", ".join(images)
        if save.returncode != 0:
            raise ClusterError(f"images {named}: docker save failed: {save_error or 'no output'}")
        if load.returncode != 0:
            raise ClusterError(
                f"images {named}: import into the node failed: {detail[-1] if detail else ''}"
            )

    def _image_size(self, image: str) -> str:
        try:
            size = int(self.client.images.get(image).attrs.get("Size") or 0)
        except NotFound:
            return "not found"
        return f"{size / 2**20:.0f} MiB"

    def remove(self) -> None:
        """Remove the container, its volume and its network; what is already gone is fine."""
        self._remove_container()
        with contextlib.suppress(NotFound):
            self.client.volumes.get(self.volume_name).remove(force=True)
        with contextlib.suppress(NotFound):
            self.client.networks.get(self.network_name).remove()

    def _remove_container(self) -> None:
        with contextlib.suppress(NotFound):
            self.client.containers.get(self.spec.name).remove(force=True, v=True)

    def _container(self) -> Any:
        try:
            return self.client.containers.get(self.spec.name)
        except NotFound:
            raise ClusterError(f"node container {self.spec.name} is gone") from None


class _ImportStream:
    """Follows one image import: copies `docker save`'s stream into the importer, counting
    what it sends, and reads the importer's output for the images it has unpacked."""

    def __init__(self, images: Sequence[str], progress: Callable[[str], None]) -> None:
        self.images = list(images)  # those not yet said imported
        self.count = len(self.images)
        self.progress = progress
        self.started = time.monotonic()
        self.sent = 0
        self._unpacked: queue.Queue[str | None] = queue.Queue()

    def follow(self, save: subprocess.Popen[bytes], load: subprocess.Popen[bytes]) -> None:
        """Return when both processes have ended (their exit codes are theirs to tell)."""
        assert save.stdout is not None
        assert load.stdin is not None
        assert load.stdout is not None
        reader = threading.Thread(target=self._read, args=(load.stdout,), daemon=True)
        reader.start()
        figure_at = self.started + IMPORT_PROGRESS_S
        try:
            while chunk := os.read(save.stdout.fileno(), 1 << 20):  # what the pipe has
                load.stdin.write(chunk)
                self.sent += len(chunk)
                if time.monotonic() >= figure_at:
                    figure_at = time.monotonic() + IMPORT_PROGRESS_S
                    self.progress(
                        f"cluster: importing: {self.sent / 2**20:.0f} MiB sent to the node, "
                        f"{self._elapsed()}s in"
                    )
        except BrokenPipeError:  # the importer ended early: its exit code and error tell
            save.kill()
        with contextlib.suppress(BrokenPipeError):
            load.stdin.close()
        save.wait()
        for line in iter(self._unpacked.get, None):  # until the importer's output ends
            self._said(line)
        load.wait()
        reader.join()
        if load.returncode != 0 or save.returncode != 0:
            return
        for image in self.images:  # an importer that does not say which it unpacked
            self.progress(f"cluster: imported {image} in {self._elapsed()}s")
        if self.count > 1:
            self.progress(
                f"cluster: imported {self.count} images in {self._elapsed()}s "
                f"({self.sent / 2**20:.0f} MiB sent: the layers they share once)"
            )

    def _read(self, output: IO[bytes]) -> None:
        for raw in output:
            self._unpacked.put(raw.decode(errors="replace"))
        self._unpacked.put(None)

    def _said(self, line: str) -> None:
        """ctr: "unpacking docker.io/library/x:1 (sha256:…)...done"."""
        match = _UNPACKED.search(line)
        if match is None:
            return
        image = next((i for i in self.images if _same_image(i, match[1])), None)
        if image is not None:
            self.images.remove(image)
            self.progress(f"cluster: imported {image} in {self._elapsed()}s")

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.0f}"


def _same_image(name: str, reference: str) -> bool:
    """Whether `reference` as containerd spells it (docker.io/library/x:latest) is `name`."""
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return reference == name or reference.endswith("/" + name)


def _write_tar(target: IO[bytes], files: dict[str, bytes | Path]) -> None:
    """Write a tar archive of `files` (paths relative to /) for put_archive."""
    with tarfile.open(fileobj=target, mode="w") as archive:
        for path, content in files.items():
            name = path.lstrip("/")
            if isinstance(content, Path):
                archive.add(content, arcname=name, recursive=False)
                continue
            entry = tarfile.TarInfo(name)
            entry.size = len(content)
            entry.mode = 0o600
            archive.addfile(entry, io.BytesIO(content))


def _explanation(error: APIError) -> str:
    return " ".join(str(getattr(error, "explanation", None) or error).split())[:300]
