"""Outputs of a graded class: CSV files, per-student HTML feedback, and the class report.

* ``grades.csv``: ``student_id,assignment,notebook,test_id,points,max_points,status,message``
* ``summary.csv``: ``student_id,assignment,score,max_score,flags`` (an LMS imports this)
* ``feedback/<student>/<assignment>/feedback.html``: results and messages, never hidden-test source
* ``report.html``: score histogram, pass rate per test with the commonest messages, flagged
  submissions, timings (plots embedded as PNG, so the file opens anywhere)
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import Counter, defaultdict
from pathlib import Path

GRADES_FIELDS = [
    "student_id",
    "assignment",
    "notebook",
    "test_id",
    "points",
    "max_points",
    "status",
    "message",
]
SUMMARY_FIELDS = ["student_id", "assignment", "score", "max_score", "flags"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;
vertical-align:top;font-size:14px}th{background:#f4f4f4}.passed{color:#137333}.failed,.error,.invalid,.forbidden{color:#b3261e}
.timeout,.memory,.crash,.limit,.not-run{color:#a15c00}code{background:#f4f4f4;padding:1px 3px}img{max-width:100%}
.muted{color:#666;font-size:13px}
pre.code{background:#f7f7f7;border-left:3px solid #1a73e8;padding:6px;overflow-x:auto;font-size:13px}
pre.given{border-left-color:#bbb}.answer,.test{margin:.6em 0}.md{margin:.4em 0}
"""


def _esc(x) -> str:
    return html.escape(str(x).encode("utf-8", "backslashreplace").decode("utf-8"), quote=True)


def write_outputs(
    out: Path, assignment: str, results: list[dict], errors: dict[str, str]
) -> tuple[list[dict], list[dict]]:
    rows, summary = [], []
    for res in sorted(results, key=lambda r: r["student"]):
        for t in res["tests"]:
            rows.append(
                {
                    "student_id": res["student"],
                    "assignment": assignment,
                    "notebook": t["notebook"],
                    "test_id": t["test_id"],
                    "points": _num(t["points"]),
                    "max_points": _num(t["max_points"]),
                    "status": t["status"],
                    "message": t["message"],
                }
            )
        summary.append(
            {
                "student_id": res["student"],
                "assignment": assignment,
                "score": _num(res["score"]),
                "max_score": _num(res["max_score"]),
                "flags": "; ".join(res["flags"] + [f"review: {r}" for r in res.get("review", [])]),
            }
        )
    for student, err in sorted(errors.items()):
        summary.append(
            {
                "student_id": student,
                "assignment": assignment,
                "score": "0",
                "max_score": "",
                "flags": f"not graded: {err}",
            }
        )
    _write_csv(out / "grades.csv", GRADES_FIELDS, rows)
    _write_csv(out / "summary.csv", SUMMARY_FIELDS, summary)
    for res in results:
        fb = out / "feedback" / res["student"] / assignment / "feedback.html"
        fb.parent.mkdir(parents=True, exist_ok=True)
        fb.write_text(feedback_html(res), encoding="utf-8")
    (out / "report.html").write_text(report_html(assignment, results, errors), encoding="utf-8")
    return rows, summary


def _num(x) -> str:
    x = float(x)
    return f"{x:g}"


def csv_safe(value) -> str:
    """A spreadsheet-safe cell (OWASP's CSV-injection advice): text that a spreadsheet would read
    as a formula (starting with =, +, -, @, tab or carriage return) gets a leading apostrophe;
    undecodable characters are escaped."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    tmp.replace(path)


def feedback_html(res: dict) -> str:
    """One student's feedback. Shows test ids, points, statuses and messages (hidden tests: no values, no source)."""
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>Feedback: {_esc(res['assignment'])}</title><style>{_CSS}</style>",
        f"<h1>{_esc(res['assignment'])}: {_num(res['score'])} / {_num(res['max_score'])}</h1>",
        f"<p class='muted'>Student {_esc(res['student'])}, graded {_esc(res.get('graded_at', ''))}.</p>",
    ]
    if res["flags"]:
        parts.append(
            "<h2>Notes on your submission</h2><ul>"
            + "".join(f"<li>{_esc(f)}</li>" for f in res["flags"])
            + "</ul>"
        )
    errs = [(nb, gid, msg) for nb, d in res.get("answer_errors", {}).items() for gid, msg in d.items()]
    if errs:
        parts.append("<h2>Errors in your answer cells</h2><ul>")
        parts += [f"<li><code>{_esc(gid)}</code>: {_esc(msg[:400])}</li>" for _, gid, msg in errs]
        parts.append("</ul>")
    parts.append(
        "<h2>Tests</h2><table><tr><th>notebook</th><th>test</th><th>points</th><th>status</th><th>message</th></tr>"
    )
    for t in res["tests"]:
        label = _esc(t["test_id"]) + (
            " <span class='muted'>(includes hidden tests)</span>" if t.get("hidden") else ""
        )
        parts.append(
            f"<tr><td>{_esc(t['notebook'])}</td><td>{label}</td><td>{_num(t['points'])} / {_num(t['max_points'])}</td>"
            f"<td class='{_esc(t['status'].replace(' ', '-'))}'>{_esc(t['status'])}</td><td>{_esc(t['message'][:1500])}</td></tr>"
        )
    parts.append("</table>")
    for nb, cells in (res.get("view") or {}).items():
        parts.append(f"<h2>Your notebook, annotated: {_esc(nb)}.ipynb</h2>")
        parts += [_view_cell(c) for c in cells]
    return "\n".join(parts)


def _markdown(text: str) -> str:
    """Markdown of the release (trusted) as HTML, with any raw HTML escaped."""
    try:
        import mistune

        return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(text)
    except Exception:  # noqa: BLE001 - plain text is a fine fallback
        return f"<pre>{_esc(text)}</pre>"


def _view_cell(c: dict) -> str:
    kind = c.get("kind")
    text = str(c.get("text", ""))
    if kind == "markdown":
        return f"<div class='md'>{_markdown(text)}</div>"
    if kind == "code":
        return f"<pre class='code given'>{_esc(text)}</pre>"
    if kind == "answer":
        return (
            f"<div class='answer'><div class='muted'>your answer <code>{_esc(c.get('grade_id'))}</code></div>"
            f"<pre class='code'>{_esc(text)}</pre></div>"
        )
    if kind == "question":
        return (
            f"<div class='answer'><div class='muted'>your answer to <code>{_esc(c.get('grade_id'))}</code>, "
            f"for the instructor (graded by hand)</div><pre>{_esc(text)}</pre></div>"
        )
    if kind == "test":
        v = c.get("verdict") or {}
        status = str(v.get("status", ""))
        hidden = " (and hidden tests, whose inputs stay hidden)" if v.get("hidden") else ""
        msg = f"<div>{_esc(str(v.get('message', ''))[:1500])}</div>" if v.get("message") else ""
        return (
            f"<div class='test'><pre class='code given'>{_esc(text)}</pre>"
            f"<div class='{_esc(status.replace(' ', '-'))}'><b>{_esc(c.get('grade_id'))}</b>{hidden}: "
            f"{_num(v.get('points', 0))} / {_num(v.get('max_points', 0))}, {_esc(status)}</div>{msg}</div>"
        )
    return ""


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plots(results: list[dict]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    scores = [100.0 * r["score"] / r["max_score"] if r["max_score"] else 0.0 for r in results]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.hist(scores, bins=[i * 10 for i in range(11)], color="tab:blue", edgecolor="white")
    ax.set_xlabel("score (% of maximum)")
    ax.set_ylabel("students")
    ax.set_title(f"Score distribution ({len(results)} students)")
    hist = _png(fig)

    passed, total = Counter(), Counter()
    for r in results:
        for t in r["tests"]:
            key = f"{t['notebook']}/{t['test_id']}"
            total[key] += 1
            passed[key] += t["status"] == "passed"
    keys = sorted(total, key=lambda k: passed[k] / total[k])
    fig, ax = plt.subplots(figsize=(6.4, max(2.0, 0.28 * len(keys) + 0.8)))
    rates = [100.0 * passed[k] / total[k] for k in keys]
    ax.barh(
        range(len(keys)),
        rates,
        color=["tab:red" if x < 50 else "tab:orange" if x < 80 else "tab:green" for x in rates],
    )
    ax.set_yticks(range(len(keys)), [k.split("/", 1)[1] for k in keys], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("students passing (%)")
    ax.set_title("Pass rate per test (hardest first)")
    ax.invert_yaxis()
    return hist, _png(fig)


def report_html(assignment: str, results: list[dict], errors: dict[str, str]) -> str:
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>Report: {_esc(assignment)}</title><style>{_CSS}</style>"
    ]
    parts.append(f"<h1>Class report: {_esc(assignment)}</h1>")
    if not results:
        parts.append("<p>No graded submissions.</p>")
        return "\n".join(parts)
    scores = sorted(r["score"] for r in results)
    mx = max(r["max_score"] for r in results)
    mean = sum(scores) / len(scores)
    median = scores[len(scores) // 2]
    parts.append(
        f"<p>{len(results)} graded, {len(errors)} not graded. Mean {mean:.2f} / {_num(mx)}, median {_num(median)}. "
        f"Total grading time {sum(r.get('seconds', 0) for r in results):.0f} s of worker time.</p>"
    )
    hist, rates = _plots(results)
    parts.append(f"<h2>Scores</h2><img alt='score histogram' src='{hist}'>")
    parts.append(f"<h2>Tests</h2><img alt='pass rate per test' src='{rates}'>")
    msgs: dict[str, Counter] = defaultdict(Counter)
    passed, total, maxp = Counter(), Counter(), {}
    for r in results:
        for t in r["tests"]:
            k = f"{t['notebook']}/{t['test_id']}"
            total[k] += 1
            maxp[k] = t["max_points"]
            if t["status"] == "passed":
                passed[k] += 1
            else:
                msgs[k][f"{t['status']}: {t['message'][:160]}"] += 1
    parts.append("<table><tr><th>test</th><th>points</th><th>pass rate</th><th>commonest failures</th></tr>")
    for k in sorted(total, key=lambda k: passed[k] / total[k]):
        common = "<br>".join(f"{n}x {_esc(m)}" for m, n in msgs[k].most_common(3))
        parts.append(
            f"<tr><td>{_esc(k)}</td><td>{_num(maxp[k])}</td><td>{100 * passed[k] / total[k]:.0f}%</td><td>{common}</td></tr>"
        )
    parts.append("</table>")
    named: dict[str, set[str]] = defaultdict(set)
    for res in results:
        for t in res["tests"]:
            if t.get("likely_mistake"):
                named[t["likely_mistake"]].add(res["student"])
    if named:
        n = max(1, len(results))
        parts.append(
            "<h2>Recognised mistakes</h2><p class='muted'>Students whose failing values match a mistake of the "
            "chapter's catalogue exactly (what their feedback names).</p><table><tr><th>mistake</th>"
            "<th>students</th><th>share of the class</th></tr>"
        )
        for why, who in sorted(named.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            parts.append(
                f"<tr><td>{_esc(why)}</td><td>{len(who)}</td><td>{100 * len(who) / n:.0f}%</td></tr>"
            )
        parts.append("</table>")
    flagged = [r for r in results if r["flags"] or r.get("review")]
    parts.append(f"<h2>Flagged submissions ({len(flagged)})</h2>")
    if flagged:
        parts.append("<table><tr><th>student</th><th>score</th><th>flags</th><th>for review</th></tr>")
        for r in flagged:
            parts.append(
                f"<tr><td>{_esc(r['student'])}</td><td>{_num(r['score'])}</td><td>{'<br>'.join(_esc(f) for f in r['flags'])}</td>"
                f"<td>{'<br>'.join(_esc(f) for f in r.get('review', []))}</td></tr>"
            )
        parts.append("</table>")
    if errors:
        parts.append(
            "<h2>Not graded</h2><ul>"
            + "".join(f"<li>{_esc(s)}: {_esc(e)}</li>" for s, e in sorted(errors.items()))
            + "</ul>"
        )
    parts.append("<h2>Timings</h2><table><tr><th>student</th><th>seconds</th><th>isolation</th></tr>")
    for r in sorted(results, key=lambda r: -r.get("seconds", 0))[:20]:
        iso = ", ".join(sorted({v.get("isolation", "?") for v in r.get("run", {}).values() if v}))
        parts.append(
            f"<tr><td>{_esc(r['student'])}</td><td>{r.get('seconds', 0):.1f}</td><td>{_esc(iso)}</td></tr>"
        )
    parts.append("</table>")
    return "\n".join(parts)
