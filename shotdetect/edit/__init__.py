"""The editor's loop: read a saved or hand-edited timeline (or a PySceneDetect scene list) back into a
:class:`~shotdetect.timeline.Timeline`, and export it again in every format.

* :func:`load_timeline` reads ``timeline.json`` (checked against the shipped JSON Schema);
* :func:`load_scene_list` reads a scene-list CSV as PySceneDetect (or ``--export csv``) writes it;
* :func:`export_timeline` writes chosen formats into a folder, complete or not at all.
"""

from __future__ import annotations

from .load import load_timeline, timeline_from_dict
from .reexport import export_timeline
from .scenelist_in import load_scene_list

__all__ = ["load_timeline", "timeline_from_dict", "load_scene_list", "export_timeline"]
