"""Test tooling: renderers of clips and talks whose content is known exactly.

Not part of the installed package. The tests reach it as ``tooling`` (``tests/`` is on the path);
``samples/make_sample.py`` and ``benchmarks/`` put ``tests/`` on ``sys.path`` themselves.
"""
