"""Documents to bytes: the HTML report, its charts, the CSV and TimelineJS exports, the words for quote status.

Pure functions of the answers the projections give: no database, no clock.
matplotlib loads only when a chart is drawn.
"""

from __future__ import annotations

__all__: list[str] = []
