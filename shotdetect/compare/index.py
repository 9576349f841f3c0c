"""Is this picture already in that folder? Perceptual hashes, cached, then a pixel check of the candidates.

:class:`ImageIndex` hashes every image of a folder (:func:`~shotdetect.compare.phash.phash`) and keeps
the hashes in ``DIR/.shotdetect-index.json``; an entry is reused while the file's size and
modification time are unchanged, so a second look-up in a folder of thousands of photos reads no
image at all. A query computes one hash, XORs it with all hashes at once (a numpy uint64 array and a
popcount), and checks the closest candidates with the default *same* rule
(:func:`~shotdetect.compare.metrics.same_picture`), which is what makes a re-compressed and resized
copy a match and a merely similar picture not.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, OutputError
from ..export.atomic import atomic_write_text
from ..decode import is_image_file, natural_key, read_image
from .metrics import ROBUST_SIDE, SameRule, same_picture
from .phash import from_hex, hamming_many, phash, to_hex

__all__ = ["ImageIndex", "Match", "INDEX_NAME", "MAX_HASH_DISTANCE"]

#: Cache file kept in the indexed folder.
INDEX_NAME = ".shotdetect-index.json"
_SCHEMA = "shotdetect.image-index"
_SCHEMA_VERSION = 1
_HASH_NAME = "dct-phash-64"
#: Hashes this many bits apart or fewer are candidates (re-encoded/resized copies: 0-6; unrelated: ~32).
MAX_HASH_DISTANCE = 12
#: At most this many candidates are checked pixel by pixel, closest first.
MAX_CANDIDATES = 20
#: Images are decoded at no less than this width for hashing (JPEGs are decoded at 1/2-1/8 size).
_HASH_READ_WIDTH = 128


@dataclass(frozen=True)
class Match:
    """A picture of the folder that the query was checked against."""

    path: Path
    hash_distance: int
    same: bool
    changed_area: float
    correlation: float

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "hash_distance": self.hash_distance, "same": self.same,
                "changed_area": round(self.changed_area, 6), "correlation": round(self.correlation, 6)}


def _valid_entry(entry: dict[str, Any]) -> bool:
    """A cache entry as :class:`ImageIndex` writes it: a 64-bit hash in hex, or none and an error.

    Anything else (a damaged or hand-edited cache) is a miss: the image is hashed again.
    """
    value = entry.get("phash")
    if value is None:
        return isinstance(entry.get("error"), str)
    if not isinstance(value, str) or len(value) != 16:
        return False
    try:
        from_hex(value)
    except ValueError:
        return False
    return True


class ImageIndex:
    """The perceptual hashes of the images in ``folder``, cached in the folder.

    Parameters
    ----------
    folder : path-like
        Folder of images.
    recursive : bool
        Also index the images in sub-folders.
    cache : bool
        Read and write ``folder/.shotdetect-index.json``. When the folder is not writable the
        index still works, computed afresh each time (a warning says so).

    Attributes
    ----------
    paths : list of Path
        Indexed images (readable ones), in natural name order.
    hashes : ndarray of uint64
        Their hashes, in the same order.
    computed, reused : int
        How many hashes were computed now and how many came from the cache.
    warnings : list of str
    """

    def __init__(self, folder: str | os.PathLike[str], *, recursive: bool = False, cache: bool = True):
        self.folder = Path(folder)
        if not self.folder.exists():
            raise InputError(f"{self.folder}: no such folder")
        if not self.folder.is_dir():
            raise InputError(f"{self.folder}: not a folder")
        self.recursive = recursive
        self.cache_path = self.folder / INDEX_NAME
        self.warnings: list[str] = []
        self.computed = self.reused = 0
        entries = self._load_cache() if cache else {}
        fresh: dict[str, dict[str, Any]] = {}
        paths: list[Path] = []
        hashes: list[int] = []
        for path in self._files():
            key = path.relative_to(self.folder).as_posix()
            try:
                st = path.stat()
            except OSError:
                continue
            old = entries.get(key)
            if (old and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns
                    and _valid_entry(old)):
                entry = old
                self.reused += 1
            else:
                entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "phash": None}
                try:
                    entry["phash"] = to_hex(phash(read_image(path, grey=True, min_width=_HASH_READ_WIDTH)))
                except InputError as exc:
                    entry["error"] = str(exc).split(": ", 1)[-1]
                self.computed += 1
            fresh[key] = entry
            if entry.get("phash"):
                hashes.append(from_hex(entry["phash"]))
                paths.append(path)
        self.paths = paths
        self.hashes = np.array(hashes, dtype=np.uint64)
        if cache and (self.computed or set(fresh) != set(entries)):
            self._save_cache(fresh)

    def __len__(self) -> int:
        return len(self.paths)

    def _files(self) -> list[Path]:
        try:
            it = self.folder.rglob("*") if self.recursive else self.folder.iterdir()
            files = [p for p in it if p.is_file() and is_image_file(p) and not p.name.startswith(".")
                     and not any(part.startswith(".") for part in p.relative_to(self.folder).parts[:-1])]
        except OSError as exc:
            raise InputError(f"{self.folder}: cannot list the folder ({exc.strerror})") from exc
        return sorted(files, key=lambda p: natural_key(p.relative_to(self.folder).as_posix()))

    def _load_cache(self) -> dict[str, dict[str, Any]]:
        try:
            doc = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.warnings.append(f"{self.cache_path}: unreadable index cache, rebuilt ({type(exc).__name__})")
            return {}
        if (not isinstance(doc, dict) or doc.get("schema") != _SCHEMA or doc.get("schema_version") != _SCHEMA_VERSION
                or doc.get("hash") != _HASH_NAME or not isinstance(doc.get("entries"), dict)):
            return {}
        return {k: v for k, v in doc["entries"].items() if isinstance(v, dict)}

    def _save_cache(self, entries: dict[str, dict[str, Any]]) -> None:
        doc = {"schema": _SCHEMA, "schema_version": _SCHEMA_VERSION, "hash": _HASH_NAME, "entries": entries}
        try:
            atomic_write_text(self.cache_path, json.dumps(doc, indent=0, sort_keys=True) + "\n")
        except OutputError as exc:
            self.warnings.append(f"index not cached: {exc}")

    def candidates(self, query_hash: int, max_distance: int = MAX_HASH_DISTANCE) -> list[tuple[Path, int]]:
        """Indexed images whose hash is within ``max_distance`` bits of ``query_hash``, closest first."""
        if not len(self.paths):
            return []
        distances = hamming_many(query_hash, self.hashes)
        close = np.flatnonzero(distances <= max_distance)
        order = close[np.argsort(distances[close], kind="stable")]
        return [(self.paths[i], int(distances[i])) for i in order]

    def find(self, image: np.ndarray, *, rule: SameRule | None = None, max_distance: int = MAX_HASH_DISTANCE,
             max_candidates: int = MAX_CANDIDATES) -> tuple[Match | None, list[Match]]:
        """Look for ``image`` (BGR or grey) in the folder.

        Returns ``(best, checked)``: the closest candidate that the *same* rule accepts (None if
        none does) and every candidate that was checked.
        """
        rule = rule or SameRule()
        checked: list[Match] = []
        best: Match | None = None
        for path, distance in self.candidates(phash(image), max_distance)[:max_candidates]:
            try:
                other = read_image(path, min_width=ROBUST_SIDE)  # all the rule looks at
            except InputError as exc:
                self.warnings.append(f"{path}: skipped ({str(exc).split(': ', 1)[-1]})")
                continue
            same, change = same_picture(other, image, rule)
            match = Match(path, distance, same, change.area, change.correlation)
            checked.append(match)
            if same and best is None:
                best = match
        return best, checked
