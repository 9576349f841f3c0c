"""The review page: check and correct the transitions of one video in a browser, and save them as
``timeline.json`` (``shotdetect review VIDEO``).

:mod:`.scores` keeps the per-frame record the sensitivity slider re-decides cuts from,
:mod:`.session` analyses the video once and saves, :mod:`.frames` decodes single frames for exact
stepping, :mod:`.server` serves the page (``page.html``, ``page.js``, ``page.css``) on 127.0.0.1.
"""

from __future__ import annotations

from .scores import ScoreRecord, ScoreRecorder, decide_cuts
from .session import ReviewSession, analyse

__all__ = ["ScoreRecord", "ScoreRecorder", "decide_cuts", "ReviewSession", "analyse"]
