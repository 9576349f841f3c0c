"""The command line's layer: one module per subcommand (``compare``, ``dedupe``, ``export``, ``review``,
``slides``) plus what they share (:mod:`.common`, :mod:`.argtypes`, :mod:`.laststop`).

They parse options, call the library, print and pick exit codes; the engines live in the library
(:mod:`shotdetect.pipeline`, :mod:`shotdetect.slides`, :mod:`shotdetect.compare`). ``shotdetect.cli``
imports these modules, never the other way round.
"""
