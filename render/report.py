"""Writes the self-contained HTML report: charts, state, timeline with quotes, audit.

The report works offline by construction: the charts are inline SVG, the
stylesheet is inline, there is no script, and a Content-Security-Policy
forbids the page any request. Every stored string (titles, quotes, notes,
phrases) is escaped. Output is deterministic: no clock in the page.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from render.charts import STANCE_COLOURS, inline_svg
from render.exports import amount_text, headline, said_by
from render.wording import QUOTE_STATUS_LABELS

if TYPE_CHECKING:
    from events import RecordedEvent, Source
    from projections.audit import Finding
    from projections.charts import SizeChart
    from projections.coalition import CoalitionState
    from projections.verification import QuoteChecker

__all__ = ["ReportContent", "ReportLimits", "render_report"]


@dataclass(frozen=True)
class ReportLimits:
    """How much of a big log the report shows in full; a log below every limit is shown whole.

    Past a limit a section says how much it left out and how to see the rest,
    so a report of hundreds of thousands of events stays a file a browser opens.
    """

    events: int = 1000  # the most recent events of the window, in full with their quotes
    findings_per_kind: int = 100  # the first findings of each kind; every kind is counted
    claims: int = 300  # the most recent claims, in the table and drawn with their words
    lanes: int = 80  # the actors drawn in the stance chart, the most committed first


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows, gathered by the command."""

    stream: str
    first_day: date | None
    last_day: date | None
    known_position: int
    head_position: int
    head_hash: str
    state: CoalitionState
    size_svg: bytes
    stances_svg: bytes
    size: SizeChart
    events: Sequence[RecordedEvent]
    sources: Mapping[str, Source]
    checker: QuoteChecker
    findings: Sequence[Finding]
    events_left_out: int = 0  # the window's earlier events not shown, past limits.events
    left_out_until: date | None = None  # the latest day the last of them may have happened
    lanes_left_out: int = 0  # the actors the stance chart does not draw, past limits.lanes
    limits: ReportLimits = ReportLimits()
    # what a door tells its reader to do to see what a section left out, by section (timeline, claims, audit,
    # stances); a section without one says it in the report's own terms
    see_more: Mapping[str, str] = field(default_factory=dict)


_STYLESHEET = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5f6368; --rule: #e3e3e3; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       max-width: 1100px; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--rule); }
.muted, .meta { color: var(--muted); font-size: .88rem; }
figure { margin: 1rem 0; } figure svg { width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .88rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--rule); }
.stances span { display: inline-block; margin-right: .8rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline > li { border-left: 3px solid var(--rule); padding: .2rem 0 .8rem 1rem; margin-left: .3rem; }
.when { font-variant-numeric: tabular-nums; color: var(--muted); font-size: .88rem; }
.type { font-family: ui-monospace, monospace; font-size: .8rem; background: #f1f3f4; padding: 0 .3rem; }
blockquote { margin: .3rem 0 .1rem; padding-left: .8rem; border-left: 3px solid #c9d7e8; font-style: italic; }
ul.sources { list-style: none; padding-left: 0; margin: .2rem 0; }
.status { font-size: .8rem; } .status-verified { color: #1e7e34; } .status-not_found { color: #b00020; }
.severity-error { color: #b00020; font-weight: bold; } .severity-warning { color: #8a5a00; }
.findings td:nth-child(-n+2), .findings td:nth-child(4), .claims td { white-space: nowrap; }
ol.timeline p { margin: .15rem 0; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _citation(source_id: str, quote: str | None, content: ReportContent) -> str:
    info = content.sources.get(source_id)
    status = content.checker.quote_status(source_id, quote) if info is not None else "not_found"
    if info is None:
        cited = f"{_e(source_id)} (not a registered source)"
    else:
        title = _e(info.title or source_id)
        if info.url and info.url.startswith(("https://", "http://")):
            title = f'<a href="{_e(info.url)}" rel="noreferrer noopener">{title}</a>'
        cited = f"{_e(info.publisher)}, {title}, {_e(info.published)} <span class=muted>[{_e(source_id)}]</span>"
    said = f"<blockquote>“{_e(quote)}”</blockquote>" if quote else ""
    status_text = QUOTE_STATUS_LABELS.get(status, status) if info is not None else "unknown source"
    return f"<li>{said}<cite>{cited}</cite> <span class='status status-{status}'>{_e(status_text)}</span></li>"


# data the headline already says, by event type
_IN_HEADLINE = {"statement.made": frozenset({"speaker", "summary"})}


def _event_item(event: RecordedEvent, content: ReportContent) -> str:
    phrase = f" · “{_e(event.occurred_text)}”" if event.occurred_text else ""
    speaker = said_by(event)
    said = f"<div class=meta>said by {_e(speaker)}</div>" if speaker is not None else ""
    shown = _IN_HEADLINE.get(event.type, frozenset())
    details = "; ".join(
        f"{key.replace('_', ' ')}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in event.data.items()
        if key not in shown
    )
    citations = "".join(_citation(source_id, quote, content) for source_id, quote in event.sources)
    note = f"<p class=meta><em>Note:</em> {_e(event.note)}</p>" if event.note else ""
    recorded_by = f" · recorded by {_e(event.recorded_by)}" if event.recorded_by else ""
    return (
        f"<li class=event id='event-{_e(event.id)}' data-type='{_e(event.type)}'>"
        f"<div class=when><time>{_e(event.occurred)}</time>{phrase}</div>"
        f"<div><strong>{_e(headline(event))}</strong> <span class=type>{_e(event.type)}</span></div>{said}"
        f"<div class=meta>{_e(details)}</div><ul class=sources>{citations}</ul>{note}"
        f"<div class=meta>{_e(event.id)} · log position {event.position}{recorded_by}</div></li>"
    )


def _summary(content: ReportContent) -> str:
    from events import STANCE_ORDER, actor_name

    state = content.state
    counts = "".join(
        f"<span><i class=swatch style='background:{STANCE_COLOURS[stance]}'></i> {_e(stance.replace('_', ' '))} "
        f"<strong>{count}</strong></span>"
        for stance, count in state.stance_counts.items()
    )
    size = state.reported_size
    latest = size.latest
    said = (
        "no claim yet"
        if latest is None
        else f"“{_e(amount_text(latest.comparator, latest.amount, latest.raw))}”"
        + (f" ({_e(latest.attributed_to)}, {_e(latest.occurred)})" if latest.attributed_to else "")
    )
    rows = "".join(
        f"<tr><td>{_e(actor_name(code))} ({_e(code)})</td><td>{_e(member.stance.replace('_', ' '))}</td>"
        f"<td>{_e(', '.join(member.offers))}</td><td>{_e(', '.join(member.ruled_out))}</td>"
        f"<td>{_e(', '.join(member.conditions))}</td><td>{_e(member.since)}</td></tr>"
        for code, member in sorted(
            state.members.items(), key=lambda item: (STANCE_ORDER.index(item[1].stance), item[0])
        )
    )
    return (
        f"<p class=stances>{counts}</p><p>Latest reported size: {said}; named floor "
        f"<strong>{size.named_floor}</strong> (actors named as supporting).</p>"
        "<table><thead><tr><th>Actor</th><th>Stance</th><th>Offers</th><th>Rules out</th><th>Conditions</th>"
        f"<th>Since</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _allows(lower: int | None, upper: int | None) -> str:
    if upper is None:
        return f"{lower:,} or more"
    if lower is None:
        return f"{upper:,} or fewer"
    return f"{lower:,}" if lower == upper else f"{lower:,}–{upper:,}"


def _see_more(content: ReportContent, section: str, said_here: str) -> str:
    """Return how to see what a section left out: the door's words for it, else the report's own."""
    return _e(content.see_more.get(section, said_here))


def _claims_table(content: ReportContent) -> str:
    chart, limit = content.size, content.limits.claims
    claims = chart.claims[-limit:] if len(chart.claims) > limit else chart.claims
    rows = "".join(
        f"<tr><td>{claim.day.isoformat()}</td><td>{_e(amount_text(claim.comparator, claim.amount, claim.raw))}</td>"
        f"<td>{_allows(claim.lower, claim.upper)}</td>"
        f"<td>{_e(claim.attributed_to)}</td><td>{_e(', '.join(claim.sources))}</td>"
        f"<td><a href='#event-{_e(claim.event)}'>{_e(claim.event)}</a></td></tr>"
        for claim in claims
    )
    if not rows:
        return "<p class=muted>No claims in this window.</p>"
    note = ""
    if len(claims) < len(chart.claims):
        left = len(chart.claims) - len(claims)
        note = (
            f"<p class='muted left-out' id='claims-left-out'>This window holds {len(chart.claims):,} claims: the most "
            f"recent {len(claims):,} are listed below, the {left:,} before them left out to keep the report readable. "
            f"{_see_more(content, 'claims', 'A narrower window (its start and end) lists them all.')}</p>"
        )
    return (
        f"{note}<table class=claims><thead><tr><th>Counts from</th><th>Claim</th><th>Allows</th><th>Attributed to</th>"
        f"<th>Sources</th><th>Event</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _first_of_each_kind(findings: Sequence[Finding], limit: int) -> tuple[list[Finding], Counter[str]]:
    """Return the first `limit` findings of each kind, in their order, and how many there are of each kind."""
    counts: Counter[str] = Counter()
    kept = []
    for finding in findings:
        counts[finding.kind] += 1
        if counts[finding.kind] <= limit:
            kept.append(finding)
    return kept, counts


def _kinds_table(findings: Sequence[Finding], counts: Counter[str], limit: int, content: ReportContent) -> str:
    """Count every kind of finding, and say which kinds list only their first findings."""
    severity = {finding.kind: finding.severity for finding in findings}
    rows = "".join(
        f"<tr><td class='severity-{severity[kind]}'>{severity[kind]}</td><td>{_e(kind)}</td><td>{count:,}</td>"
        f"<td>{'all' if count <= limit else f'the first {limit:,}'}</td></tr>"
        for kind, count in sorted(counts.items(), key=lambda item: (severity[item[0]] != "error", -item[1], item[0]))
    )
    left = sum(max(0, count - limit) for count in counts.values())
    return (
        f"<p class='muted left-out' id='findings-left-out'>The audit made {len(findings):,} findings: each kind "
        f"lists its first {limit:,} below, the other {left:,} are counted here but left out to keep the report "
        "readable. "
        f"{_see_more(content, 'audit', 'The audit of the log lists them all.')}</p>"
        "<table class=kinds><thead><tr><th>Severity</th><th>Kind</th><th>Found</th><th>Listed</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _findings(content: ReportContent, shown: set[str]) -> str:
    findings = content.findings
    if not findings:
        return "<p>No findings: every event is sourced, every quote checks out.</p>"
    errors = sum(finding.severity == "error" for finding in findings)
    limit = content.limits.findings_per_kind
    listed, counts = _first_of_each_kind(findings, limit)
    kinds = _kinds_table(findings, counts, limit, content) if len(listed) < len(findings) else ""

    def event_link(event_id: str) -> str:
        return f"<a href='#event-{_e(event_id)}'>{_e(event_id)}</a>" if event_id in shown else _e(event_id)

    rows = "".join(
        f"<tr><td class='severity-{finding.severity}'>{finding.severity}</td><td>{_e(finding.kind)}</td>"
        f"<td>{', '.join(map(event_link, finding.events))}</td><td>{_e(', '.join(finding.sources))}</td>"
        f"<td>{_e(finding.message)}</td></tr>"
        for finding in listed
    )
    return (
        f"<p>{errors} error{'s' * (errors != 1)}, {len(findings) - errors} warning"
        f"{'s' * (len(findings) - errors != 1)}.</p>{kinds}<table class=findings><thead><tr><th>Severity</th>"
        f"<th>Kind</th><th>Events</th><th>Sources</th><th>Message</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _lanes_note(content: ReportContent) -> str:
    if not content.lanes_left_out:
        return ""
    drawn, left = content.limits.lanes, content.lanes_left_out
    return (
        f"\n<p class='muted left-out' id='lanes-left-out'>{drawn + left:,} actors took a stance in this window: the "
        f"chart draws the {drawn:,} most committed, the {left:,} others are left out to keep it readable; the table "
        f"above lists every member. {_see_more(content, 'stances', 'Each actor has a chart of its own history.')}</p>"
    )


def _timeline_note(content: ReportContent) -> str:
    shown = len(content.events)
    if not content.events_left_out:
        return f'<p class="muted">{shown} events in the order they happened, with their sources and quotes.</p>'
    total, left = shown + content.events_left_out, content.events_left_out
    until = f" (up to {content.left_out_until.isoformat()})" if content.left_out_until else ""
    return (
        f"<p class='muted left-out' id='timeline-left-out'>This window holds {total:,} events: the most recent "
        f"{shown:,} follow in the order they happened, with their sources and quotes; the {left:,} before them"
        f"{until} are left out to keep the report readable. "
        f"{_see_more(content, 'timeline', 'A narrower window (its start and end) shows them in full.')}</p>"
    )


def render_report(content: ReportContent) -> str:
    """Return the whole report as one HTML document that needs nothing but itself."""
    first = content.first_day.isoformat() if content.first_day else "the beginning"
    last = content.last_day.isoformat() if content.last_day else "the end"
    window = f"{first} to {last}"
    timeline = "".join(_event_item(event, content) for event in content.events)
    shown = {event.id for event in content.events}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{_e(content.stream)}: Diplomatic Timeline report</title>
<style>{_STYLESHEET}</style>
</head>
<body>
<header>
<h1>{_e(content.stream)}</h1>
<p class="meta">Diplomatic Timeline report, {_e(window)} · log position {content.known_position}
 · head hash <code>{_e(content.head_hash[:16])}</code></p>
</header>
<section id="summary">
<h2>As of {_e(last)}</h2>
{_summary(content)}
</section>
<section id="size">
<h2>Reported size</h2>
<figure id="size-chart">{inline_svg(content.size_svg, "Reported size over time, with the named floor")}
<figcaption>Each claim sits on the day it counts from (its latest possible day); a line shows the span it was
said in. “About” is drawn as a band of a fifth either way, “more than” as an arrow up. The step line is the
named floor: how many actors are named as supporting.</figcaption></figure>
{_claims_table(content)}
</section>
<section id="stances">
<h2>Stances</h2>
<figure id="stance-chart">{inline_svg(content.stances_svg, "Stances over time, one row per actor")}
<figcaption>A stance holds from the last day its event may have happened; hatching shows from when the first
one may already have held.</figcaption></figure>{_lanes_note(content)}
</section>
<section id="timeline">
<h2>Timeline</h2>
{_timeline_note(content)}
<ol class="timeline">{timeline}</ol>
</section>
<section id="audit">
<h2>Audit</h2>
<p class="muted">The whole log as it stands, at position {content.head_position}.</p>
{_findings(content, shown)}
</section>
</body>
</html>
"""
