"""The pip route (pyproject.toml) and the conda route (environment.yml) install the same things."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"torch": "pytorch-cpu"}


def _pip_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pins = {}
    for d in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][^;\s]*)", d)
        assert m, f"pyproject dependency {d!r} is not pinned with =="
        pins[m.group(1).lower()] = m.group(2)
    return pins


def _conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)=([0-9][^\s#]*)\s*(#.*)?", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_matches_pyproject():
    pip, conda = _pip_pins(), _conda_pins()
    for name, version in pip.items():
        cname = CONDA_NAMES.get(name, name)
        assert cname in conda, f"{name} is in pyproject.toml but not in environment.yml (as {cname})"
        assert conda[cname] == version, f"{name}: pyproject pins {version}, environment.yml {conda[cname]}"
    extra = set(conda) - {CONDA_NAMES.get(n, n) for n in pip} - {"python"}
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"


def test_conda_forge_only_and_torch_pinned_to_cpu_wheel():
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and "defaults\n" not in text.replace("nodefaults", "")
    assert _pip_pins()["torch"] == "2.13.0", "a looser torch pin pulls a multi-GB CUDA build"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "make test" in readme
    assert "make setup" in ci and "make setup" in readme


def test_runtime_dependencies_hold_no_test_or_cluster_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[=<>]", d)[0].lower() for d in project["dependencies"]}
    for tool in ("pytest", "ruff", "hypothesis", "playwright", "dask", "distributed", "psycopg2-binary"):
        assert tool not in runtime, f"{tool} belongs in an extra, not in the course's runtime dependencies"
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert ".[grader,dev]" in setup, "make setup must install what make test needs"


def test_grader_processes_skip_the_iri_grammar():
    """jsonschema (under nbformat) loads rfc3987_syntax when installed, which builds an IRI parser
    for 1.5 s of CPU at import. Every grader process (the CLI, each zygote, each cold executor)
    imports the `autograder` package first, which must keep that module out."""
    import subprocess
    import sys

    code = (
        "import sys, autograder, nbformat, jsonschema\n"
        "assert sys.modules.get('rfc3987_syntax') is None, sys.modules.get('rfc3987_syntax')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
