"""Draws the report's two charts with matplotlib, as SVG or PNG: the reported size and the stances.

Output is deterministic: fixed SVG ids, no dates in the metadata, glyphs drawn
as paths (matplotlib's bundled DejaVu Sans, no font files). matplotlib is
imported inside the functions: nothing else pays for it.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from render.exports import amount_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from projections.charts import LeftOut, SizeChart, StanceLanes, StanceSegment

__all__ = ["STANCE_COLOURS", "inline_svg", "render_size_chart", "render_stance_chart"]

# Okabe-Ito colours: told apart with the common colour-vision deficiencies
STANCE_COLOURS = {
    "supporting": "#009E73",
    "considering": "#56B4E9",
    "undecided": "#E69F00",
    "in_talks": "#999999",
    "declined": "#D55E00",
}
_CLAIM_COLOUR = "#0072B2"
_FLOOR_COLOUR = "#CC79A7"


@contextmanager
def _style(salt: str) -> Iterator[None]:
    """Fix what makes output differ between runs and machines: SVG ids, fonts, text as paths."""
    import matplotlib

    with matplotlib.rc_context(
        {
            "svg.hashsalt": salt,
            "date.epoch": "1970-01-01T00:00:00",  # what _x counts days from
            "svg.fonttype": "path",
            "font.family": "DejaVu Sans",
            "text.parse_math": False,  # stored strings with $ signs are text, not TeX
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=144, metadata=metadata)
    return buffer.getvalue()


def _x(day: date) -> float:
    """Place a day on a date axis: matplotlib counts days since its epoch, pinned to 1970-01-01 in _style."""
    return float((day - date(1970, 1, 1)).days)


def _date_axis(axes: Axes, first: date, last: date) -> None:
    from matplotlib.dates import AutoDateLocator, DateFormatter, DayLocator

    # a day is drawn from its midnight to the next, the axis a little wider, but never past the years 1 to 9999
    # that matplotlib's dates (and Python's) hold: an event dated 0001-01-01 or 9999-12-31 is still drawn
    axes.set_xlim(max(_x(first) - 0.3, _x(date.min)), min(_x(last) + 1.3, _x(date.max) + 0.99))
    days = (last - first).days
    locator = DayLocator(interval=max(1, round(days / 8))) if days <= 120 else AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(DateFormatter("%d %b" if days <= 366 else "%b %Y"))  # type: ignore[no-untyped-call]
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)


def _note_left_out(axes: Axes, left_out: tuple[LeftOut, ...]) -> None:
    """Say under the axis which events lie off it, dated more than ten years from the days it draws."""
    if not left_out:
        return
    named = ", ".join(f"{item.event} ({item.occurred})" for item in left_out[:3])
    more = f" and {len(left_out) - 3} more" if len(left_out) > 3 else ""
    events, them = ("1 event", "it") if len(left_out) == 1 else (f"{len(left_out)} events", "them")
    note = axes.set_xlabel(
        f"Off this axis, dated more than ten years from the rest: {events}, {named}{more}; "
        f"ask for dates that hold {them} to draw {them} in place",
        fontsize=7.5,
        color="#666666",
        wrap=True,
    )
    note.set_gid("left-out")  # the SVG draws text as paths: the id says where the note is


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color="#666666")
    axes.set_xticks([])
    axes.set_yticks([])


def render_size_chart(chart: SizeChart, fmt: str = "svg", *, most: int | None = None) -> bytes:
    """Draw each claim (a point; "about" a band; "more than" an arrow up, "up to" one down) and the named floor.

    `most` draws only the most recent that many claims, for a log of very many; the floor is drawn whole.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    claims = chart.claims if most is None or len(chart.claims) <= most else chart.claims[len(chart.claims) - most :]
    with _style("dtl-size"):
        figure = _figure(9, 4.2)
        axes = figure.add_subplot()
        axes.set_title(f"Reported size over time: {chart.subject}", loc="left", fontweight="bold")
        if chart.first_day is None or chart.last_day is None or not (claims or chart.floor):
            _empty(axes, f"no {chart.subject} claims in this window")
            return _save(figure, fmt)
        tallest = max([c.upper or c.lower or c.amount for c in claims] + [s.floor for s in chart.floor] + [1])
        reach = tallest * 0.18 + 1  # how far an open bound's arrow points
        for claim in claims:
            day, earliest, amount = _x(claim.day), _x(claim.earliest), claim.amount
            if earliest < day:  # said some time in a span: a line over the span, the point at its end
                axes.plot([earliest, day], [amount, amount], color=_CLAIM_COLOUR, alpha=0.45, lw=2)
            if claim.lower is not None and claim.upper is not None and claim.lower < claim.upper:
                axes.fill_between(
                    [earliest - 0.3, day + 0.3], claim.lower, claim.upper, color=_CLAIM_COLOUR, alpha=0.18, lw=0
                )
            elif claim.shape in ("at_least", "at_most"):
                tip = amount + (reach if claim.shape == "at_least" else -reach)
                arrow = {"arrowstyle": "-|>", "color": _CLAIM_COLOUR, "lw": 1.6, "mutation_scale": 14}
                axes.annotate("", xy=(day, tip), xytext=(day, amount), arrowprops=arrow)
            face = _CLAIM_COLOUR if claim.shape == "point" else "white"
            axes.plot([day], [amount], marker="o", markersize=7, color=_CLAIM_COLOUR, markerfacecolor=face, mew=1.8)
            said = amount_text(claim.comparator, claim.amount, claim.raw)
            who = f"\n{claim.attributed_to}" if claim.attributed_to else ""
            leftwards = claim.day > chart.first_day + (chart.last_day - chart.first_day) * 0.75  # keep it inside
            axes.annotate(
                f"“{said}”{who}",
                (day, amount),
                xytext=(-8 if leftwards else 8, -4),
                textcoords="offset points",
                va="top",
                ha="right" if leftwards else "left",
            )
        if chart.floor:
            xs = [_x(step.day) for step in chart.floor] + [_x(chart.last_day) + 1]
            ys = [step.floor for step in chart.floor] + [chart.floor[-1].floor]
            axes.step(xs, ys, where="post", color=_FLOOR_COLOUR, lw=2)
        _date_axis(axes, chart.first_day, chart.last_day)
        _note_left_out(axes, chart.left_out)
        axes.set_ylim(0, (tallest + reach) * 1.15)
        axes.set_ylabel("countries" if chart.subject == "participants" else chart.subject)
        shapes = {claim.shape for claim in claims}
        marker: dict[str, Any] = {"ls": "", "color": _CLAIM_COLOUR}
        legend = [
            ("point" in shapes, Line2D([], [], marker="o", label="a claim, exact", **marker)),
            (shapes - {"point"}, Line2D([], [], marker="o", mfc="white", label="a claim, not exact", **marker)),
            ("band" in shapes, Patch(color=_CLAIM_COLOUR, alpha=0.18, label="“about”: a fifth either way")),
            ("at_least" in shapes, Line2D([], [], marker="^", label="“more than”: no upper bound", **marker)),
            ("at_most" in shapes, Line2D([], [], marker="v", label="“up to”: no lower bound", **marker)),
            (
                any(claim.earliest < claim.day for claim in claims),
                Line2D([], [], color=_CLAIM_COLOUR, alpha=0.45, lw=2, label="the span it was said in"),
            ),
            (chart.floor, Line2D([], [], color=_FLOOR_COLOUR, lw=2, label="named floor: actors named as supporting")),
        ]
        shown = [handle for wanted, handle in legend if wanted]
        axes.legend(handles=shown, loc="best", fontsize=7.5, frameon=False)
        return _save(figure, fmt)


def render_stance_chart(lanes: StanceLanes, fmt: str = "svg", *, most: int | None = None) -> bytes:
    """Draw one lane per actor, its stances as coloured segments; hatched where the first one may have begun.

    `most` draws only the first that many lanes (the most committed actors), for a log of very many.
    """
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch

    from events import actor_name

    actors = lanes.actors if most is None else lanes.actors[:most]
    by_actor: dict[str, list[StanceSegment]] = {actor: [] for actor in actors}
    for segment in lanes.segments:  # one pass: asking each lane for its segments would read them all each time
        if segment.actor in by_actor:
            by_actor[segment.actor].append(segment)
    with _style("dtl-stances"):
        figure = _figure(9, 1.6 + 0.3 * max(len(actors), 2))
        axes = figure.add_subplot()
        axes.set_title("Stances over time, one row per actor", loc="left", fontweight="bold")
        if lanes.first_day is None or lanes.last_day is None or not actors:
            _empty(axes, "no actor has a stance in this window")
            return _save(figure, fmt)
        close = _x(lanes.last_day) + 1
        # the limits are set once drawn: rescaling after every segment would cost the square of their number
        axes.set_autoscale_on(False)
        for row, actor in enumerate(actors):
            segments = by_actor[actor]
            if not segments:
                continue
            # one collection per lane, each segment its colour: an artist per segment costs memory by the thousand
            spans = [
                (_x(segment.start), (close if segment.end is None else _x(segment.end)) - _x(segment.start))
                for segment in segments
            ]
            colours = [STANCE_COLOURS[segment.stance] for segment in segments]
            axes.broken_barh(spans, (row - 0.38, 0.76), facecolors=colours)
            first = segments[0]
            if first.possible_from < first.start:
                began, start = _x(first.possible_from), _x(first.start)
                axes.broken_barh(
                    [(began, start - began)],
                    (row - 0.38, 0.76),
                    facecolors="white",
                    edgecolors=to_rgba(colours[0], 0.5),
                    hatch="////",
                    linewidth=0.6,
                )
        axes.set_yticks(range(len(actors)), [f"{actor_name(code)} ({code})" for code in actors])
        axes.set_ylim(len(actors) - 0.5, -0.5)
        axes.tick_params(axis="y", length=0)
        _date_axis(axes, lanes.first_day, lanes.last_day)
        _note_left_out(axes, lanes.left_out)
        handles = [Patch(color=colour, label=stance.replace("_", " ")) for stance, colour in STANCE_COLOURS.items()]
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="////", label="may have begun"))
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=8)
        return _save(figure, fmt)


def inline_svg(svg: bytes, label: str) -> str:
    """Return an SVG document as an element to place in HTML: the XML prologue dropped, labelled for readers."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(label)}"', 1)
