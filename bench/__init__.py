"""Benchmarks of Deep Learning, Twice: ratios measured side by side in one run.

``python -m bench [--quick] [--device cpu|cuda] [--out bench-results]`` runs every benchmark and
writes ``OUT/bench.md`` (a Markdown table) and ``OUT/bench.json``. Each row compares *ours* (the
project's grader, a chapter's NumPy or PyTorch code) with *theirs* (what people would use
instead: stock ``nbgrader autograde``, PyTorch's built-in layers, gensim), measured in the same
run, interleaved (ours, theirs, ours, theirs, ...), as the median of several repetitions after
a warm-up, with NumPy and PyTorch pinned to the same number of threads on both sides.

Modules: ``common`` (rows, timing, thread pinning, machine), ``chapters`` (loading the reference
code from the source notebooks), ``layers`` (the registry of per-chapter benchmarks),
``grading`` (grader throughput), ``course_run`` (executing every notebook), ``report`` (the
table and the JSON file), ``runner`` (the order of it all).
"""
