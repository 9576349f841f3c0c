"""Redraw docs/review-example.png: the review page on a generated clip, one cut moved by hand.

Run: ``.venv/bin/python tests/review_screenshot.py docs/review-example.png`` (needs Playwright and
chromium, as the browser tests do).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tooling.synth import ShotSpec, TransitionSpec, render_clip  # noqa: E402
from test_review import Review, review_page  # noqa: E402


def main(target: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "example.mp4"
        shots = [ShotSpec(40, seed=61, pan=(2.0, 0.0)), ShotSpec(45, seed=62, motion=2.0), ShotSpec(35, seed=63),
                 ShotSpec(50, seed=64, pan=(0.0, 1.5)), ShotSpec(40, seed=65)]
        render_clip(video, shots, [TransitionSpec("cut"), TransitionSpec("dissolve", 14), TransitionSpec("cut"),
                                   TransitionSpec("cut")], size=(480, 270), options={"preset": "ultrafast"})
        review = Review(video, "--out", Path(tmp) / "out")
        try:
            with review_page(review, viewport={"width": 1280, "height": 820}) as page:
                page.locator("#rows tr").nth(2).locator("td").nth(4).click()
                page.evaluate("window.review.go(window.review.list[2].frame + 3)")
                page.click("#move")
                page.evaluate("window.review.go(window.review.list[2].frame - 1)")
                page.wait_for_timeout(1500)
                page.screenshot(path=str(Path(tmp) / "shot.png"))
        finally:
            review.stop()
        shutil.copyfile(Path(tmp) / "shot.png", target)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/review-example.png")
