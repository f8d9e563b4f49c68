"""The application: every use case once, for the command line and the HTTP API alike.

`Timeline` (service.timeline) is the composition root and holds the use cases;
`Query` (service.queries) is a question's stream, as-of day and known-at bound;
the answers (service.answers) carry plain values and the documents of DESIGN.md;
service.words has what a door needs to word them for people.
"""

from __future__ import annotations

from service.queries import DEFAULT_STREAM, Query
from service.timeline import Progress, Timeline, Writer

__all__ = ["DEFAULT_STREAM", "Progress", "Query", "Timeline", "Writer"]
