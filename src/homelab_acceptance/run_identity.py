"""Who created a Docker resource: the labels every resource carries, and whether its owner lives.

Every container, volume and network the harness creates carries the label `homelab-acceptance`
(value: the run id) and an owner label `host/pid/process-start-time`, so a reaper can tell a
resource of a killed run from one of a run still going (a reused pid has another start time).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

LABEL = "homelab-acceptance"
OWNER_LABEL = "homelab-acceptance.owner"
KEEP_LABEL = "homelab-acceptance.keep"


#: The file in each run's work dir that names the run's owner process.
OWNER_FILE = "owner"


def workdirs_root() -> Path:
    """Where clusters keep host-side files (kubeconfigs), one directory per run id."""
    return Path(tempfile.gettempdir()) / "homelab-acceptance"


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of process `pid` (clock ticks since boot), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing one.
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19]


@dataclass(frozen=True)
class Owner:
    """The process that created a resource."""

    host: str
    pid: int
    start_time: str

    @classmethod
    def current(cls) -> Owner:
        pid = os.getpid()
        return cls(socket.gethostname(), pid, process_start_time(pid) or "unknown")

    @classmethod
    def parse(cls, value: str) -> Owner | None:
        host, _, rest = value.partition("/")
        pid, _, start_time = rest.partition("/")
        if not (host and pid.isdigit() and start_time):
            return None
        return cls(host, int(pid), start_time)

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.start_time}"

    def is_alive(self) -> bool:
        """True unless this owner ran on this host and is now gone. An owner on another host
        (a shared or remote engine) cannot be checked, so it counts as alive."""
        if self.host != socket.gethostname():
            return True
        return process_start_time(self.pid) == self.start_time


@dataclass(frozen=True)
class RunIdentity:
    """One harness run: the id in every resource name and label, and the owning process."""

    run_id: str
    owner: Owner

    @classmethod
    def new(cls) -> RunIdentity:
        return cls(uuid.uuid4().hex[:8], Owner.current())

    def workdir(self) -> Path:
        """This run's directory for host-side files, private to the owner (0700, its owner
        file 0600). The reaper leaves a directory alone while its owner lives, with or without
        a node container (kubeconfig:// runs have none but keep OpenTofu state here), so the
        directory appears with its owner file already in it: it is made under a name the
        reaper never touches (not a run id) and renamed into place, leaving no moment in
        which another run's reaper could take it for a dead run's."""
        path = workdirs_root() / self.run_id
        if (path / OWNER_FILE).exists():
            return path
        workdirs_root().mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.run_id}-", dir=workdirs_root()))
        descriptor = os.open(staging / OWNER_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as owner_file:
            owner_file.write(str(self.owner))
        try:
            staging.rename(path)
        except OSError:  # made meanwhile by another call of this run: keep that one
            shutil.rmtree(staging, ignore_errors=True)
        return path

    def labels(self, keep: bool = False) -> dict[str, str]:
        labels = {LABEL: self.run_id, OWNER_LABEL: str(self.owner)}
        if keep:
            labels[KEEP_LABEL] = "true"
        return labels
