"""What both PDF reports share: page styles, the figures table, the plays-over-time chart.

Everything here is blocking (reportlab): callers run it in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from .schemas import Row

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN
BRAND = colors.HexColor("#1565C0")
_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("np-title", parent=_styles["Title"], fontSize=26, leading=32, textColor=BRAND)
H1 = ParagraphStyle("np-h1", parent=_styles["Heading1"], textColor=BRAND)
H2 = ParagraphStyle("np-h2", parent=_styles["Heading2"])
BODY = _styles["BodyText"]
SMALL = ParagraphStyle("np-small", parent=BODY, fontSize=8, textColor=colors.grey)
CODE = ParagraphStyle("np-code", parent=BODY, fontName="Courier-Bold", fontSize=16, leading=20)


def hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def table(
    header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None
) -> Table:
    t = Table([list(header), *[[str(c) for c in r] for r in rows]], colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BRAND),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#EEF3FA")]),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0BEC5")),
            ]
        )
    )
    return t


def figure_rows(rows: Sequence[Row], limit: int | None = None) -> list[list[object]]:
    chosen = rows[:limit] if limit else rows
    return [[r.label or r.key, r.plays, hms(r.seconds), pct(r.completion_rate)] for r in chosen]


FIGURE_HEADER = ("", "plays", "on screen", "completed")


def plays_chart(by_day: Sequence[Row], title: str = "Plays per day") -> Drawing:
    """Bars of plays per day (at most ~90 bars: longer periods are summed per week)."""
    points = [(date.fromisoformat(r.key), r.plays) for r in by_day]
    if len(points) > 90:
        weeks: dict[date, int] = {}
        for day, plays in points:
            monday = date.fromordinal(day.toordinal() - day.weekday())
            weeks[monday] = weeks.get(monday, 0) + plays
        points, title = sorted(weeks.items()), title.replace("day", "week")
    drawing = Drawing(WIDTH, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, WIDTH - 50, 130
    chart.data = [[p for _, p in points] or [0]]
    labels = [d.strftime("%d/%m") for d, _ in points] or [""]
    step = max(1, len(labels) // 12)
    chart.categoryAxis.categoryNames = [lab if i % step == 0 else "" for i, lab in enumerate(labels)]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BRAND
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    drawing.add(String(40, 175, title, fontName="Helvetica-Bold", fontSize=10))
    return drawing


def footer(text: str):  # type: ignore[no-untyped-def]
    def draw(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.drawRightString(PAGE[0] - MARGIN, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def build_pdf(story: list[Flowable], *, title: str, first_footer: str, later_footer: str) -> bytes:
    """An A4 document with Neopro's margins and page footers, rendered to bytes (blocking)."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=title, author="Neopro")  # fmt: skip
    doc.build(story, onFirstPage=footer(first_footer), onLaterPages=footer(later_footer))
    return buf.getvalue()


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(text, style)
