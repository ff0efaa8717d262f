"""The kernel every notebook runs in: this very interpreter, over IPC.

Notebooks are executed by the grader (inside the sandbox), by the trusted reference run and
by papermill. None of them looks a kernelspec up by name: a ``python3`` kernelspec can point at
another interpreter (one the sandbox cannot see, or one without the course's packages), and
then every student would get zero with "never reached". The kernel is started as
``sys.executable -m ipykernel_launcher``, so it is always the grader's own Python, and over the
IPC transport (Unix sockets in the runtime folder), so no TCP port is opened and ipykernel has
no reason to warn about unencrypted TCP.
"""

from __future__ import annotations

import os
import sys

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "python3"


THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def kernel_spec() -> KernelSpec:
    """This interpreter's ipykernel. Its BLAS and torch thread pools get ``COURSE_KERNEL_THREADS``
    threads (default 1: batch runs execute several notebooks at once on few cores, where more
    threads per kernel only fight each other); a variable already set in the environment wins."""
    threads = os.environ.get("COURSE_KERNEL_THREADS", "1")
    env = {var: os.environ.get(var, threads) for var in THREAD_VARS}
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (course)",
        language="python",
        name=KERNEL_NAME,
        env=env,
    )


def ipc_prefix() -> str:
    """An absolute socket-path prefix in a private folder: with IPC, a relative prefix would be
    resolved against each process's own working folder, and kernel and client would miss each other."""
    import tempfile

    return os.path.join(tempfile.mkdtemp(prefix="ag-ipc-"), "kernel")


def kernel_manager(**kwargs) -> AsyncKernelManager:
    """A KernelManager for this interpreter's ipykernel, IPC transport."""
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=ipc_prefix(), **kwargs)
    km._kernel_spec = kernel_spec()  # no kernelspec look-up by name (see the module docstring)
    return km


def shutdown(km: AsyncKernelManager) -> None:
    """Shut a kernel we started down at once (a kernel manager handed to nbclient stays ours)."""
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)
    _remove_ipc_dir(km.ip)


def _remove_ipc_dir(prefix: str) -> None:
    import shutil

    folder = os.path.dirname(prefix)
    if os.path.basename(folder).startswith("ag-ipc-"):
        shutil.rmtree(folder, ignore_errors=True)
