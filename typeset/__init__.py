"""typeset — a Chinese newspaper typesetter (排版). The CLI is `paiban`."""

__version__ = "0.1.0"
