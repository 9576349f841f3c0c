"""``report.html``: one self-contained page to look at a result.

It shows the video's facts and the detection settings, a plot of the per-frame cut strength with
the threshold and every transition marked (inline SVG), a contact sheet of the keyframes with
their times and the transition into each shot, and the command that opens the video in the review
page saving into the report's folder (``shotdetect review VIDEO --out DIR``, quoted for a POSIX
shell). Pictures are inlined as ``data:`` URIs (JPEG
thumbnails 320 px wide), so the page needs no other file and no network; its Content-Security-Policy
forbids loading anything from elsewhere.
"""

from __future__ import annotations

import base64
import html
import math
import os
import shlex
from pathlib import Path
from typing import Any

from ..timeline import Timeline
from .atomic import atomic_write_text
from .ownership import is_staging_folder
from .scenelist import smpte
from .scores import ScoreSeries

__all__ = ["render_html", "write_html", "review_command", "effective_threshold", "THUMB_WIDTH"]

#: Width of the contact sheet's thumbnails, in pixels.
THUMB_WIDTH = 320

COLORS = {"cut": "#d62728", "dissolve": "#1f77b4", "fade": "#7f3fbf", "wipe": "#2ca02c"}

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#f6f6f4}
header,section{max-width:1200px;margin:0 auto;padding:12px 20px}
h1{font-size:20px;margin:16px 0 4px;word-break:break-all}h2{font-size:16px;margin:18px 0 8px}
table.facts{border-collapse:collapse}table.facts td{padding:2px 14px 2px 0;vertical-align:top}
table.facts td:first-child{color:#666}
.kinds span,.badge{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-size:12px;margin-right:4px}
svg.plot{width:100%;height:auto;background:#fff;border:1px solid #ddd}
svg.plot text{font-size:11px;fill:#555}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.shot{background:#fff;border:1px solid #ddd;border-radius:4px;overflow:hidden}
.shot:target{outline:3px solid #f0a000}
.shot img,.shot .noimg{display:block;width:100%;height:auto;aspect-ratio:var(--ar);background:#ccc}
.shot .noimg{display:flex;align-items:center;justify-content:center;color:#777;font-size:12px}
.shot .cap{padding:6px 8px;font-size:12px}.shot .cap b{font-size:13px}
.warn{color:#a05000}footer{color:#888;font-size:12px}
pre.command{background:#fff;border:1px solid #ddd;padding:8px 10px;overflow-x:auto;user-select:all}
"""

SCRIPT = """
window.addEventListener("load", function () {
  var imgs = document.images, broken = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) broken++;
  }
  document.body.setAttribute("data-images", String(imgs.length));
  document.body.setAttribute("data-broken-images", String(broken));
  document.body.setAttribute("data-ready", "1");
});
"""


def effective_threshold(settings: dict[str, Any]) -> float | None:
    """The absolute cut-strength floor the detection used (``--threshold`` or the sensitivity's)."""
    if settings.get("threshold") is not None:
        return float(settings["threshold"])
    try:
        from ..detect import DetectorSettings
        from ..detect.cuts import CUT_THRESHOLD

        return float(CUT_THRESHOLD) * DetectorSettings(sensitivity=float(settings.get("sensitivity", 0.5))).scale
    except (ImportError, AttributeError, TypeError, ValueError):  # pragma: no cover - detector reorganised
        return None


def _setting(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _clock(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    s, ms = divmod(ms, 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}.{ms:03d}"


def _thumbnail(path: Path) -> tuple[str, float] | None:
    """A JPEG ``data:`` URI of the picture at ``path``, THUMB_WIDTH wide, and its aspect ratio."""
    import cv2
    import numpy as np

    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        return None
    h, w = image.shape[:2]
    if w > THUMB_WIDTH:
        h, w = max(1, round(h * THUMB_WIDTH / w)), THUMB_WIDTH
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii"), w / h


def _nice_step(span: float, ticks: int = 10) -> float:
    raw = span / max(1, ticks)
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if step >= raw:
            return step
    return 10 ** math.ceil(math.log10(raw))


def _plot(timeline: Timeline, scores: ScoreSeries | None, threshold: float | None) -> str:
    """Inline SVG: cut strength over time, threshold, transitions, and a strip of the shots."""
    esc = html.escape
    width, left, right, top, plot_h, strip_h, bottom = 1160, 46, 14, 12, 200, 22, 26
    plot_w = width - left - right
    height = top + plot_h + 8 + strip_h + bottom
    duration = float(timeline.shots[-1].end_time) if timeline.shots else float(timeline.video.duration or 0)
    duration = duration or 1.0
    points = scores.points if scores is not None else []
    peak = max((p[2] for p in points), default=0.0)
    ymax = max(peak, 1.5 * threshold if threshold else 0.0, 1e-6)

    def x(t: float) -> float:
        return left + plot_w * min(max(t / duration, 0.0), 1.0)

    def y(v: float) -> float:
        return top + plot_h * (1.0 - min(max(v / ymax, 0.0), 1.0))

    out = [f'<svg class="plot" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="cut strength per frame with detected transitions">',
           f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fbfbfb" stroke="#ddd"/>']
    step = _nice_step(duration)
    k = 0
    while k * step <= duration + 1e-9:
        t = k * step
        out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + plot_h}" stroke="#eee"/>')
        label = _clock(t)[:-4] if step >= 1 else _clock(t)[:-2]
        out.append(f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle">{esc(label)}</text>')
        k += 1
    for v in (0.0, ymax / 2, ymax):
        out.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    # Transitions under the curve: a band for the span of a gradual one, a line at its frame.
    shot_at = {s.start_frame: i for i, s in enumerate(timeline.shots)}
    for tr in timeline.transitions:
        color = COLORS.get(tr.type, "#555")
        shot = shot_at.get(tr.frame)
        tip = esc(f"{tr.type} at {_clock(float(tr.time))} (frame {tr.frame}"
                  + (f", frames {tr.start_frame}-{tr.end_frame}" if tr.type != "cut" else "")
                  + f"), score {tr.score:.2f}")
        link = f'<a href="#shot-{shot}">' if shot is not None else "<g>"
        out.append(f"{link}<title>{tip}</title>")
        if tr.type != "cut":
            x0 = x(float(tr.start_time))
            x1 = max(x0 + 2, x(float(tr.end_time)))
            out.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}" '
                       f'fill="{color}" fill-opacity="0.18"/>')
        xt = x(float(tr.time))
        out.append(f'<line x1="{xt:.1f}" y1="{top}" x2="{xt:.1f}" y2="{top + plot_h}" stroke="{color}" '
                   f'stroke-width="1.5" stroke-opacity="0.8"/>')
        out.append("</a>" if shot is not None else "</g>")
    if points:
        coords = " ".join(f"{x(p[1]):.1f},{y(p[2]):.1f}" for p in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="#333" stroke-width="1"/>')
    else:
        out.append(f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
                   "per-frame scores were not collected</text>")
    if threshold:
        ty = y(threshold)
        out.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#f0a000" '
                   f'stroke-dasharray="6 4" stroke-width="1.5"><title>threshold {threshold:.3f}</title></line>')
        out.append(f'<text x="{left + plot_w - 4}" y="{ty - 4:.1f}" text-anchor="end">threshold {threshold:.3f}</text>')
    sy = top + plot_h + 8
    for i, s in enumerate(timeline.shots):
        x0, x1 = x(float(s.start_time)), x(float(s.end_time))
        fill = "#9aa7b4" if i % 2 else "#c5ced6"
        out.append(f'<a href="#shot-{i}"><rect x="{x0:.1f}" y="{sy}" width="{max(0.5, x1 - x0):.1f}" '
                   f'height="{strip_h}" fill="{fill}"><title>{esc(f"Shot {i + 1}: {_clock(float(s.start_time))}")}'
                   f'{esc(f" - {_clock(float(s.end_time))}")}</title></rect></a>')
    out.append("</svg>")
    return "\n".join(out)


def review_command(source: str | os.PathLike[str], folder: str | os.PathLike[str]) -> str:
    """``shotdetect review VIDEO --out DIR`` with both paths absolute, quoted for a POSIX shell."""
    return shlex.join(["shotdetect", "review", str(Path(source).resolve()), "--out", str(Path(folder).resolve())])


def _review_section(source: str | os.PathLike[str] | None, folder: str | os.PathLike[str] | None) -> str:
    if source is None or folder is None:
        return ""
    esc = html.escape
    return f"""<section id="review">
<h2>Check and correct the cuts</h2>
<p>This command opens the video in the review page (served on 127.0.0.1 only), starting from this
folder's timeline.json when it has one; Save writes the corrected timeline.json here, replacing
only files shotdetect wrote:</p>
<pre class="command"><code>{esc(review_command(source, folder))}</code></pre>
<p><code>{esc(shlex.join(["shotdetect", "review", str(Path(folder).resolve())]))}</code> does the same, finding
the video from the folder's own record of it.</p>
</section>"""


def render_html(timeline: Timeline, *, source: str | os.PathLike[str] | None = None,
                scores: ScoreSeries | None = None, images: str | os.PathLike[str] | None = None,
                out: str | os.PathLike[str] | None = None) -> str:
    """The report page as a string (see the module notes); ``out`` is the folder it is written to
    (for the review command; none without it)."""
    from .._version import __version__

    esc = html.escape
    v = timeline.video
    name = Path(source or v.path).name
    fps = v.fps
    threshold = effective_threshold(timeline.settings)
    kinds: dict[str, int] = {}
    for t in timeline.transitions:
        kinds[t.type] = kinds.get(t.type, 0) + 1
    dw, dh = v.display_size
    facts = [
        ("file", str(Path(source).resolve()) if source else v.path),
        ("picture", f"{v.width}x{v.height}" + (f" (shown {dw}x{dh})" if (dw, dh) != (v.width, v.height) else "")
         + (f", rotated {v.rotation}°" if v.rotation else "")),
        ("frame rate", ("variable, about " if v.vfr else "")
         + (f"{float(fps):.3f} fps ({fps.numerator}/{fps.denominator})" if fps else "unknown")),
        ("frames", f"{v.frame_count}"),
        ("duration", _clock(float(v.duration or 0))),
        ("codec", f"{v.codec} {v.pix_fmt}".strip()),
        ("first frame at", f"{float(v.start_time):.3f} s"),
        ("shots", f"{len(timeline.shots)}"),
        ("settings", ", ".join(f"{k.replace('_', ' ')} {_setting(val)}" for k, val in timeline.settings.items())),
        ("cut threshold", f"{threshold:.3f} (absolute floor of the cut strength; a cut must also stand out "
         "from its neighbourhood)" if threshold else "unknown"),
    ]
    kinds_html = "".join(f'<span style="background:{COLORS.get(k, "#555")}">{n} {esc(k)}{"s" if n != 1 else ""}</span>'
                         for k, n in sorted(kinds.items())) or "no transitions"
    incoming = {t.frame: t for t in timeline.transitions}
    folder = Path(images) if images else None
    cards = []
    for i, s in enumerate(timeline.shots):
        thumb = None
        for k in s.keyframes:
            if k.file and folder is not None:
                thumb = _thumbnail(folder / k.file)
                if thumb:
                    break
        aspect = thumb[1] if thumb else (dw / dh if dh else 16 / 9)
        picture = (f'<img src="{thumb[0]}" alt="keyframe of shot {i + 1}" width="{THUMB_WIDTH}" '
                   f'height="{round(THUMB_WIDTH / aspect)}">' if thumb else '<div class="noimg">no picture</div>')
        cut_in = incoming.get(s.start_frame) if i else None
        badge = (f'<span class="badge" style="background:{COLORS.get(cut_in.type, "#555")}">{esc(cut_in.type)} '
                 f'{cut_in.score:.2f}</span>' if cut_in else "")
        keys = ", ".join(str(k.frame) for k in s.keyframes)
        cards.append(
            f'<div class="shot" id="shot-{i}" style="--ar:{aspect:.4f}">{picture}<div class="cap">'
            f"<b>Shot {i + 1}</b> {badge}<br>{esc(_clock(float(s.start_time)))} - {esc(_clock(float(s.end_time)))}"
            f" ({float(s.end_time - s.start_time):.2f} s)<br>"
            f"frames {s.start_frame}-{s.end_frame - 1} ({s.frame_count})"
            f"{f' · keyframe {esc(keys)}' if keys else ''}<br>"
            f"<span title=\"timecode\">{esc(smpte(s.start_time, fps))}</span></div></div>")
    warnings = "".join(f'<li class="warn">{esc(w)}</li>' for w in timeline.warnings)
    csp = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
           "base-uri 'none'; form-action 'none'")
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(val)}</td></tr>" for k, val in facts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="shotdetect {esc(__version__)}">
<title>{esc(name)} - shotdetect report</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{esc(name)}</h1>
<div class="kinds">{len(timeline.shots)} shots · {kinds_html}</div>
</header>
<section>
<h2>Video</h2>
<table class="facts">{rows}</table>
{f"<ul>{warnings}</ul>" if warnings else ""}
</section>
<section>
<h2>Cut strength per frame</h2>
{_plot(timeline, scores, threshold)}
</section>
<section>
<h2>Shots</h2>
<div class="sheet">
{chr(10).join(cards)}
</div>
</section>
{_review_section(source, out)}
<footer><section>Made by shotdetect {esc(__version__)}.</section></footer>
<script>{SCRIPT}</script>
</body>
</html>
"""


def write_html(timeline: Timeline, path: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None,
               scores: ScoreSeries | None = None, images: str | os.PathLike[str] | None = None, **_: Any) -> None:
    """Write ``report.html``; keyframe pictures are read from ``images`` (the output folder)."""
    folder = Path(path).resolve().parent
    if is_staging_folder(folder):  # (written into the output folder's staging folder, moved up on success)
        folder = folder.parent
    atomic_write_text(path, render_html(timeline, source=source, scores=scores, images=images, out=folder))

