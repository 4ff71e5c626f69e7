"""The start page's chart: activities per week, stacked by status, as SVG shapes (drawn on
the server; the page needs no script)."""

from dataclasses import dataclass
from datetime import date

from bridge.hq.overview import Week
from bridge.models import Status

COLOURS = {
    Status.PLANNED: "#2b6cb0",
    Status.DELAYED: "#c05621",
    Status.COMPLETED: "#2f855a",
    Status.COMPLETED_UNPROCESSED: "#6b46c1",
}
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 44, 40, 12


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Chart:
    segments: list[Segment]
    labels: list[tuple[float, str, bool]]
    """x, the week's label, whether it is this week."""
    ticks: list[tuple[float, int]]
    """y, value of the horizontal grid lines."""
    width: int = WIDTH
    height: int = HEIGHT


def stacked_weeks(weeks: list[Week], today: date) -> Chart:
    top = _nice(max((week.total for week in weeks), default=0))
    plot = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(weeks), 1)
    segments, labels = [], []
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + slot * 0.15
        y = float(HEIGHT - BOTTOM)
        for status in Status:
            count = week.counts.get(status, 0)
            if not count:
                continue
            height = plot * count / top
            y -= height
            segments.append(Segment(x, y, slot * 0.7, height, COLOURS[status],
                                    f"week of {week.monday:%d %b}: {count} {status.value}"))
        current = week.monday <= today < date.fromordinal(week.monday.toordinal() + 7)
        labels.append((x + slot * 0.35, f"{week.monday:%d %b}", current))
    ticks = [(HEIGHT - BOTTOM - plot * value / top, value) for value in _ticks(top)]
    return Chart(segments, labels, ticks)


def _nice(value: int) -> int:
    """The axis maximum: a round number at least ``value`` (at least 1)."""
    if value <= 5:
        return 5
    step: int = 10 ** (len(str(value)) - 1)  # (typeshed: int ** int may be a float)
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _ticks(top: int) -> list[int]:
    return [top * share // 4 for share in range(5)]
