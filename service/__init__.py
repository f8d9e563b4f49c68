"""The application: every use case once, for the command line and the HTTP API alike.

`service.timeline.Timeline` is the composition root and holds the use cases;
`Query` is a question's stream, as-of day and known-at bound; the answers
(service.answers) carry plain values and the documents of DESIGN.md;
service.words has what a door needs to word them for people. Importing the
package loads only the query values, so a door's start does not pay for the
use cases before it runs one.
"""

from __future__ import annotations

from service.queries import DEFAULT_STREAM, Query

__all__ = ["DEFAULT_STREAM", "Query"]
