"""The grading pipeline of *Deep Learning, Twice*: ``python -m autograder --help``."""

__version__ = "0.1.0"
