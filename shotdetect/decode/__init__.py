"""The input layer: every kind of input turned into one stream of :class:`Frame` objects.

The only part of shotdetect that talks to PyAV (``av.open``) or reads image files for analysis.

``frame.py``      :class:`Frame`, :class:`FramePicture` (a frame's full picture, ``render(max_size)``),
                  :class:`FrameSource` (the protocol every input implements), the limits, the
                  frame-rate fallback
``readahead.py``  the one background reader: decodes ahead of the analysis, drops the oldest
                  frames of a real-time stream when the analysis falls behind
``video.py``      FFmpeg inputs: :class:`VideoReader` (files), :class:`LiveSource` (URLs, pipes, cameras)
``images.py``     image files: :func:`read_image`, EXIF, :class:`ImageSequence` (folders, globs, lists)
``open.py``       :func:`open_source`, the one dispatcher every command opens its input with
``pictures.py``   one picture by name for comparing (``clip.mp4@12.5s``, ``udp://...``)
``seek.py``       random access: a frame by time (compare, review), facts for ``--split``
"""

from __future__ import annotations

from .frame import (
    ANALYSIS_WIDTH, FALLBACK_FPS, MAX_FPS, MAX_PIXELS, MAX_SIDE, Frame, FramePicture, FrameSource, SourceKind,
    picture_bytes, rate_or_fallback,
)
from .images import (
    IMAGE_EXTENSIONS, ORDERS, ImageRef, ImageSequence, image_size, is_image_file, list_images, natural_key, read_exif,
    read_image, sort_images,
)
from .open import STDIN, is_image_sequence, is_live_source, open_source, stream_name
from .pictures import Picture, grab_frame, grab_video_frame, load_picture, parse_picture_spec
from .readahead import ReadAhead
from .seek import FrameSeeker, container_start_time, count_video_frames, frame_shown_at
from .video import DecodedPicture, LiveSource, VideoReader, open_video

__all__ = [
    "Frame", "FramePicture", "FrameSource", "SourceKind", "open_source", "open_video", "VideoReader", "LiveSource",
    "ImageSequence", "ImageRef", "DecodedPicture", "ReadAhead", "picture_bytes",
    "rate_or_fallback", "ANALYSIS_WIDTH", "MAX_PIXELS", "MAX_SIDE", "MAX_FPS", "FALLBACK_FPS", "STDIN",
    "is_live_source", "is_image_sequence", "is_image_file", "stream_name", "IMAGE_EXTENSIONS", "ORDERS",
    "read_image", "image_size", "read_exif", "natural_key", "list_images", "sort_images", "Picture",
    "load_picture", "parse_picture_spec", "grab_video_frame", "grab_frame", "FrameSeeker", "frame_shown_at",
    "count_video_frames", "container_start_time",
]
