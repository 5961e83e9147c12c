"""The harness's errors. Every message is one line a person can act on: what, where, what to do.

    HomelabAcceptanceError
    ├── ConfigurationError      bad input: a cluster URL, an option
    │   ├── StackSpecError      stack.yaml is not a valid stack spec (file:line: field)
    │   └── MissingToolError    a tool a provisioner runs is not installed (the machine's doing)
    ├── DockerUnavailableError  no Docker engine answers
    ├── NodeImageBuildError     a node image build step failed (which step, what it said)
    ├── LocalImageBuildError    a stack's or the probe's image recipe failed to build
    ├── GoBuildError            a program could not be built from its Go module
    ├── ToolInstallError        helm and kubectl could not be installed (tools install)
    ├── WaitTimeout             a condition did not hold by its deadline (what, last seen)
    │   └── WaitHopeless        a look saw a state no wait ends: given up before the deadline
    ├── ClusterError            a cluster could not be started, restarted or used
    │   └── PortTakenError      a host port the cluster needs is in use
    └── ProvisionError          a component could not be applied or removed (which object, why)

Raw API payloads are never put in a message: they may hold credentials.
"""


class HomelabAcceptanceError(Exception):
    """Base of every error the harness raises on purpose."""


class ConfigurationError(HomelabAcceptanceError):
    """The user asked for something malformed or unknown."""


class StackSpecError(ConfigurationError):
    """stack.yaml is not a valid stack spec. Its message is always one line: line breaks in
    names taken from the file are shown escaped."""

    def __init__(self, message: str) -> None:
        escaped = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(escaped)


class MissingToolError(ConfigurationError):
    """A command a provisioner runs (helm, tofu, ansible-playbook) is not installed: the
    machine lacks it, the stack is not at fault."""


class DockerUnavailableError(HomelabAcceptanceError):
    """No Docker engine could be reached."""


class NodeImageBuildError(HomelabAcceptanceError):
    """Building the node image failed."""


class LocalImageBuildError(HomelabAcceptanceError):
    """A workload image recipe failed to build."""


class GoBuildError(HomelabAcceptanceError):
    """A program could not be built from its Go module (no Go, a module refused, a compile
    error): which program, and the end of go's output."""


class ToolInstallError(HomelabAcceptanceError):
    """helm and kubectl could not be installed (the package could not be had, or is not as
    expected)."""


class WaitTimeout(HomelabAcceptanceError):
    """A condition awaited with a deadline did not hold in time."""


class WaitHopeless(WaitTimeout):
    """A look saw a state no wait ends (`Observation.hopeless`): the wait gave up before its
    deadline, with what it saw and how long it had waited."""

    def __init__(self, message: str, seen: str, waited_s: float) -> None:
        super().__init__(message)
        self.seen = seen
        self.waited_s = waited_s


class ClusterError(HomelabAcceptanceError):
    """A cluster could not be started, restarted, used or removed."""


class PortTakenError(ClusterError):
    """A host port the cluster needs is already in use."""


class ProvisionError(HomelabAcceptanceError):
    """A provisioner could not apply or remove a component."""
