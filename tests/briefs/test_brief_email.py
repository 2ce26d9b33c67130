"""The e-mailed brief carries its charts as PNG images attached by Content-ID (most mail
clients do not draw inline SVG), rasterised from the same SVG the stored page keeps.

Real parts throughout: the brief is made from imported data, sent by the worker's
``brief.email`` job to an aiosmtpd server on loopback, parsed back with the ``email``
package, and each image decoded with Pillow.
"""

from __future__ import annotations

import io
import logging
import re
from email.message import EmailMessage

from PIL import Image
from sqlalchemy import select
from tests.briefs.seed import seed
from tests.channels.smtp import smtp_server  # noqa: F401  (the fixture)
from tests.conftest import make_workspace

from doorstep.accounts.services import get_workspace, update_settings
from doorstep.briefs import charts, raster
from doorstep.briefs.models import Brief
from doorstep.briefs.periods import last_complete
from doorstep.briefs.render import render_email
from doorstep.briefs.services import make_brief, publish_brief
from doorstep.deliveries.services import add_stage
from doorstep.jobs.worker import JobContext, Worker, default_handlers
from doorstep.timeutil import zone
from doorstep.web.i18n import t

# A stage name that looks like markup, with an ampersand, Chinese, and a control
# character (forbidden in XML: the SVG rasteriser would refuse the chart).
HOSTILE = "<script>&配送\x07"
BLUE, RED, ORANGE = ((int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)) for c in (charts.BLUE, charts.RED,
                                                                                    charts.ORANGE))


def publish_and_send(database, settings, clock) -> Brief:  # type: ignore[no-untyped-def]
    """A zh-CN workspace with the seed's two weeks; last week's brief made, published and e-mailed."""
    make_workspace(database, "sh", name="Dumplings", timezone="Asia/Shanghai", locale="zh-CN")
    with database.write() as s:
        ws = get_workspace(session=s, slug="sh")
        add_stage(session=s, workspace=ws, key="prepared", name="Kitchen & pack", target_minutes=10.0)
        add_stage(session=s, workspace=ws, key="delivered", name=HOSTILE, target_minutes=20.0)
    seed(database, "sh", clock())
    with database.write() as s:
        ws = get_workspace(session=s, slug="sh")
        update_settings(session=s, workspace=ws, brief_recipients=["ceo@example.com"])
        brief, _made = make_brief(session=s, workspace=ws, period=last_complete("week", clock(), zone(ws.timezone)),
                                  now=clock(), base_url=settings.base_url)
        publish_brief(session=s, workspace=ws, brief=brief, now=clock(), base_url=settings.base_url)
    handlers = {kind: h for kind, h in default_handlers().items() if kind != "webhook.deliver"}
    Worker(JobContext(db=database, settings=settings, clock=clock, worker="test-worker"),
           handlers=handlers).run_until_idle()
    with database.read() as s:
        [stored] = s.scalars(select(Brief)).all()
        s.expunge(stored)
    return stored


def images_of(message: EmailMessage) -> tuple[str, dict[str, EmailMessage]]:
    """The HTML of ``message`` and its related images by Content-ID (no angle brackets)."""
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()  # type: ignore[misc]
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert all(p.get_content_type() == "image/png" and p.get_content_disposition() == "inline" for p in images)
    return html_part.get_content(), {p["Content-ID"].strip("<>"): p for p in images}


def test_the_emailed_brief_carries_each_chart_as_a_png_drawn_from_its_svg(database, clock, settings,
                                                                          smtp_server) -> None:  # noqa: F811
    stored = publish_and_send(database, smtp_server.settings(settings), clock)
    [received] = smtp_server.received
    html, images = images_of(received.message)

    # The stored (web) page keeps inline SVG: three charts, the user's stage name escaped in it.
    svgs = re.findall(r"<svg .*?</svg>", stored.html, flags=re.S)
    assert len(svgs) == 3  # NPS trend, where we lose points, late rate by stage
    assert "&lt;script&gt;&amp;配送" in svgs[1] and "&lt;script&gt;&amp;配送" in svgs[2]
    assert "<script" not in stored.html.lower()

    # The e-mail: no SVG; one image per chart, in the page's order, each referenced by its cid.
    assert "<svg" not in html and "<script" not in html.lower()
    tags = re.findall(r'<img src="cid:([^"]+)" width="(\d+)" height="(\d+)" alt="([^"]*)"', html)
    assert [cid for cid, *_ in tags] == list(images)  # same order, none missing, none extra
    assert len(tags) == 3
    titles = [t("zh-CN", key) for key in ("brief.trend_title", "brief.drivers_title", "brief.ops_title")]
    assert [alt for *_, alt in tags] == titles  # alt text in the reader's language
    colours = [BLUE, RED, ORANGE]  # the trend's line, the stage's bar (a stage costs points), late-rate bars
    for (cid, width, height, _alt), svg, colour in zip(tags, svgs, colours, strict=True):
        box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
        assert box is not None and (int(width), int(height)) == (int(box[1]), int(box[2]))
        data = images[cid].get_content()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.convert("RGB")
        assert image.size == (2 * int(width), 2 * int(height))  # drawn at 2x for sharp displays
        counts = {rgb: n for n, rgb in image.getcolors(image.width * image.height) or []}
        assert counts.get(colour, 0) >= 150, f"{cid}: too few pixels of the chart's colour {colour}"
        total = image.width * image.height
        assert total - counts.get((255, 255, 255), 0) > total // 50  # not blank
        assert image.getpixel((0, 0)) == (255, 255, 255)  # on white, not transparent
    # The labels are drawn: each bar's row has dark ink in the label column (left of the
    # bars at 200 px, so 0–392 px at 2x); the first row of both bar charts is HOSTILE's.
    for cid, *_ in tags[1:]:
        bars = Image.open(io.BytesIO(images[cid].get_content())).convert("L")
        rows = (bars.height // 2 - 8) // 26
        inked = [sum(bars.getpixel((x, y)) < 100 for x in range(392) for y in range(8 + 52 * row, 8 + 52 * (row + 1)))
                 for row in range(rows)]
        assert rows >= 1 and all(count > 30 for count in inked), (cid, inked)

    # The plain-text alternative is still there and says the same.
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "失分最多的环节" in text and "&lt;script&gt;" in text
    # Three small PNGs keep the message well under what any mail server accepts.
    sizes = {cid.split(".")[0]: len(images[cid].get_content()) for cid in images}
    print(f"\nmessage {len(received.raw)} bytes; PNG bytes {sizes}")
    assert all(size < 60_000 for size in sizes.values()) and len(received.raw) < 250_000


def test_the_emailed_page_is_the_stored_page_with_images_for_charts(database, clock, settings,
                                                                    smtp_server) -> None:  # noqa: F811
    stored = publish_and_send(database, smtp_server.settings(settings), clock)
    html, _images = images_of(smtp_server.messages()[0])
    without_svg = re.sub(r"<svg .*?</svg>", "[chart]", stored.html, flags=re.S)
    without_img = re.sub(r'<img src="cid:[^>]*>', "[chart]", html.replace("\r\n", "\n"))
    assert without_img.strip() == without_svg.strip()


def test_without_a_cjk_font_the_charts_still_become_images(database, clock, settings, tmp_path, monkeypatch,
                                                           caplog) -> None:
    """No CJK font under the font directories: a warning, and the e-mail still has its images
    (drawn with whatever fonts resvg finds; the figures are in the text anyway)."""
    make_workspace(database, "sh", name="Dumplings", timezone="Asia/Shanghai", locale="zh-CN")
    seed(database, "sh", clock())
    with database.write() as s:
        ws = get_workspace(session=s, slug="sh")
        brief, _made = make_brief(session=s, workspace=ws, period=last_complete("week", clock(), zone(ws.timezone)),
                                  now=clock(), base_url=settings.base_url)
        content = brief.content
    monkeypatch.setattr(raster, "FONT_DIRS", (str(tmp_path),))
    raster.chart_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="doorstep.briefs"):
            page = render_email(content, base_url=settings.base_url, brief_id=1)
    finally:
        monkeypatch.undo()
        raster.chart_font.cache_clear()
    assert "no CJK font found" in caplog.text and "fonts-noto-cjk" in caplog.text
    assert len(page.images) == 3 and "<svg" not in page.html


def test_a_chart_the_rasteriser_cannot_read_stays_svg(caplog) -> None:
    # An HTML entity is fine in a page and unknown to an XML parser: resvg refuses it.
    svg = '<svg role="img" width="40" height="20" viewBox="0 0 40 20"><text x="1" y="10">a&nbsp;b</text></svg>'
    with caplog.at_level(logging.WARNING, logger="doorstep.briefs"):
        assert raster.chart_image(svg, name="trend", alt="x", cid_domain="example.com") is None
    assert "the trend chart stays inline SVG in the e-mail" in caplog.text
    # The same chart without it is drawn, at twice its size.
    image = raster.chart_image(svg.replace("&nbsp;", " "), name="trend", alt="<x>", cid_domain="example.com")
    assert image is not None and (image.width, image.height) == (40, 20)
    assert Image.open(io.BytesIO(image.png)).size == (80, 40)
    assert 'alt="&lt;x&gt;"' in image.img() and image.cid.endswith("@example.com")
