"""End to end in a real browser: JupyterLab, nbgrader's lab extension and the lecture widgets.

Drives Debian's chromium (``/usr/bin/chromium``; never ``playwright install``) through Playwright
against a JupyterLab server started on a temporary copy of the course:

* student: the blank assignment fails its first visible test with an explanation; one answer
  cell filled with the reference body passes its test; nbgrader's Validate button reports on
  the other tests;
* lecture: a slider of an ipywidgets explorer redraws the figure;
* instructor: the formgrader lists the chapter.

Screenshots of every step go to ``.course-data/browser-artifacts/`` and to pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
CHROMIUM = Path("/usr/bin/chromium")
CHAPTER = "01_backprop"
ARTIFACTS = ROOT / ".course-data" / "browser-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COPIED = ["course", "autograder", "assignments", "lectures", "solutions", "nbgrader_config.py"]
# bounded waits (ms); generous because the machine has two cores
SHORT, LONG = 30_000, 120_000
# nbgrader validate runs the whole notebook in a fresh kernel on the server
VALIDATE = 180_000


def _chromium() -> str | None:
    """Debian's chromium, which ``make setup`` installs (no test installs system packages)."""
    return str(CHROMIUM) if CHROMIUM.exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def reference_dir() -> Path:
    """The trusted reference records the hidden checks read (built once when missing)."""
    ref = ROOT / ".course-data" / "reference" / CHAPTER
    if not any(ref.glob("*.json")):
        subprocess.run(
            [str(VENV_BIN / "python"), "-m", "autograder", "reference", CHAPTER], cwd=ROOT, check=True
        )
    return ref


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        pytest.skip("Debian's chromium (/usr/bin/chromium) is missing: `make setup` installs it as root")
    pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory, reference_dir):
    """A JupyterLab server on a temporary copy of the course; yields (base_url, token, course_dir)."""
    work = tmp_path_factory.mktemp("lab")
    course = work / "course-copy"
    course.mkdir()
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src, course / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
            )
        else:
            shutil.copy2(src, course / name)
    (course / ".course-data").mkdir()
    # The release under test is what solutions/ generates (tests/test_release.py separately fails
    # when the committed assignments/ is stale; a stale one makes Validate report changed cells).
    subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            "import sys; from pathlib import Path; from autograder.config import Course; "
            "from autograder.release import generate; generate(Course(Path(sys.argv[1])), [sys.argv[2]])",
            str(course),
            CHAPTER,
        ],
        cwd=course,
        env={
            **os.environ,
            "PYTHONPATH": str(course),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        },
        check=True,
        timeout=300,
    )
    settings = work / "settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    # no announcements / update checks from the lab
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    port, token = _free_port(), secrets.token_hex(16)
    # a student's lab, where explorers draw: not a batch run (the suite's own COURSE_PLAIN_PROGRESS
    # and a CI runner's CI variable stay out of it)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("CI", "COURSE_PLAIN_PROGRESS")},
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
        "COURSE_REFERENCE_DIR": str(reference_dir),
        "PYTHONPATH": str(course),
    }
    log = (work / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={course}",
            f"--IdentityProvider.token={token}",
            "--LabApp.news_url=None",
            "--LabApp.expose_app_in_browser=True",
        ],
        cwd=course,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"JupyterLab did not start:\n{(work / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token, course
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        log.close()


def _solution_body(grade_id: str) -> str:
    """The source of the reference answer cell ``grade_id``, markers removed (what a student would type)."""
    nb = json.loads((ROOT / "solutions" / CHAPTER / "backprop.ipynb").read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            src = "".join(cell["source"])
            return "\n".join(
                line
                for line in src.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            )
    raise KeyError(grade_id)


def _cell_index(course: Path, grade_id: str) -> int:
    nb = json.loads((course / "assignments" / CHAPTER / "backprop.ipynb").read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


class Shots:
    def __init__(self, page, tmp_path: Path):
        self.page, self.dirs, self.n = page, [ARTIFACTS, tmp_path / "browser-artifacts"], 0
        for d in self.dirs:
            d.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        png = self.page.screenshot(full_page=False)
        for d in self.dirs:
            (d / f"{self.n:02d}_{name}.png").write_bytes(png)


def _wait_idle(page, timeout=LONG) -> None:
    """Wait until the current notebook's kernel has gone idle with nothing left queued."""
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            const busy = document.querySelectorAll('.jp-Notebook .jp-InputArea-prompt');
            const queued = [...busy].some(p => p.textContent.includes('[*]'));
            return k && k.status === 'idle' && !queued;
        }""",
        timeout=timeout,
        polling=500,
    )


def _open(page, base: str, token: str, path: str) -> None:
    page.goto(f"{base}/lab/tree/{path}?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=LONG)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=LONG)
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                   return k && k.status === 'idle'; }""",
        timeout=LONG,
        polling=500,
    )


def _command(page, cmd: str) -> None:
    # not awaited: a command that opens a dialog would otherwise block evaluate() without a timeout
    page.evaluate("cmd => { window.jupyterapp.commands.execute(cmd); }", cmd)


def _dismiss_dialogs(page) -> None:
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        dialog.locator("button").last.click()
        page.wait_for_timeout(300)


def test_labextension_list_reports_nbgrader_enabled_ok():
    out = subprocess.run(
        [str(VENV_BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, timeout=120
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    line = next((ln for ln in text.splitlines() if "@jupyter/nbgrader" in ln), None)
    assert line is not None, text
    assert "enabled" in line and "OK" in line, line


def test_student_lecture_and_instructor_in_chromium(chromium, lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token, course = lab
    i_answer, i_test = _cell_index(course, "affine_forward"), _cell_index(course, "test_affine_forward")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SHORT)
            shot = Shots(page, tmp_path)

            # -- student, blank notebook: run all; the first visible test fails and says why
            _open(page, base, token, f"assignments/{CHAPTER}/backprop.ipynb")
            _dismiss_dialogs(page)
            shot("assignment_opened")
            _command(page, "notebook:run-all-cells")
            page.wait_for_timeout(1000)
            _wait_idle(page)
            cells = page.locator(".jp-Notebook .jp-Cell")
            test_cell = cells.nth(i_test)
            test_cell.scroll_into_view_if_needed()
            out = test_cell.locator(".jp-OutputArea")
            assert "NotImplementedError" in out.inner_text(), out.inner_text()
            assert test_cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() > 0
            shot("blank_test_fails_NotImplementedError")

            # -- fill one answer cell with the reference body, run it and its test
            answer = cells.nth(i_answer)
            answer.scroll_into_view_if_needed()
            answer.locator(".cm-content").click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(_solution_body("affine_forward"))
            page.keyboard.press("Escape")
            assert "raise NotImplementedError" not in answer.locator(".cm-content").inner_text()
            _command(page, "notebook:run-cell-and-select-next")  # the answer cell
            _wait_idle(page)
            _command(page, "notebook:run-cell-and-select-next")  # its test cell
            _wait_idle(page)
            prompt = test_cell.locator(".jp-InputArea-prompt").inner_text()
            assert re.search(r"\[\d+\]", prompt), prompt
            assert test_cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
            assert "Error" not in test_cell.locator(".jp-OutputArea").inner_text()
            test_cell.scroll_into_view_if_needed()
            shot("filled_answer_test_passes")

            # -- nbgrader's Validate button: a dialog that reports the other (unfilled) tests
            _command(page, "docmanager:save")
            page.wait_for_timeout(500)
            page.locator(".jp-Toolbar").get_by_text("Validate", exact=True).first.click()
            dialog = page.locator(".jp-Dialog", has_text="Validation Results")
            dialog.wait_for(timeout=VALIDATE)
            text = dialog.inner_text()
            shot("validate_dialog")
            assert "has changed" not in text, text
            # it reports the unfilled answers' tests as failed, and not the one just filled in
            assert "following cell failed" in text and "NotImplementedError" in text, text
            assert 'check("affine_backward_dx"' in text, text
            assert 'check("affine_forward_square"' not in text, text
            dialog.locator("button").last.click()

            # -- lecture: run all, move a slider, the figure is redrawn
            _command(page, "docmanager:save")
            page.wait_for_timeout(1000)
            _dismiss_dialogs(page)
            _open(page, base, token, f"lectures/{CHAPTER}.ipynb")
            _dismiss_dialogs(page)
            _command(page, "notebook:run-all-cells")
            page.wait_for_timeout(1000)
            _wait_idle(page, timeout=LONG + 60_000)
            box = page.locator(".jp-Notebook .widget-vbox").first
            box.wait_for(timeout=LONG)
            img = box.locator("img").first
            img.wait_for(timeout=LONG)
            box.scroll_into_view_if_needed()
            shot("lecture_widget_before")
            before = img.get_attribute("src")
            slider = box.locator(".widget-slider").first
            handle = slider.locator(".noUi-handle").first
            hb = handle.bounding_box()
            track = slider.locator(".noUi-target, .slider").first.bounding_box()
            assert hb and track, "slider handle not laid out"
            page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
            page.mouse.down()
            page.mouse.move(track["x"] + 0.85 * track["width"], hb["y"] + hb["height"] / 2, steps=8)
            page.mouse.up()
            page.wait_for_function(
                "([el, src]) => { const i = el.querySelector('img'); return i && i.getAttribute('src') !== src; }",
                arg=[box.element_handle(), before],
                timeout=LONG,
                polling=500,
            )
            after = box.locator("img").first.get_attribute("src")
            assert after and after != before
            shot("lecture_widget_after_slider")

            # -- instructor: the formgrader lists the chapter
            page.goto(f"{base}/formgrader?token={token}", wait_until="domcontentloaded")
            page.wait_for_selector(f"text={CHAPTER}", timeout=LONG)
            assert CHAPTER in page.inner_text("body")
            shot("formgrader_assignments")
        finally:
            browser.close()
    saved = sorted(p.name for p in (tmp_path / "browser-artifacts").glob("*.png"))
    assert len(saved) == 7, saved
