"""The grading pipeline of *Deep Learning, Twice*: ``python -m autograder --help``."""

import sys

__version__ = "0.1.0"

# nbformat imports jsonschema, which imports `rfc3987_syntax` when it is installed (jupyter_events
# asks for jsonschema's format-nongpl extra); that package builds an Earley parser for IRIs at
# import time, 1.5 s of CPU in every process that reads a notebook. Nothing the grader does
# validates IRIs, and its processes (the CLI, every warm kernel's zygote, every cold executor)
# all import this package first, so they skip it: jsonschema then leaves the "iri" format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
