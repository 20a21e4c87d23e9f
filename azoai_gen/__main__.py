"""The command line's process: ``python -m azoai_gen`` and the ``azoai-gen`` script both run :func:`main`.

A command is a short process that makes tens of thousands of objects (the modules of typer, Jinja, the JSON Schema
validator and azoai-gen, then the spec's design) and keeps nearly all of them until it exits. Python's cyclic garbage
collector, as it is set by default, examines them again and again while they are made (every 700 new objects) and
once more, to free them one by one, when the interpreter shuts down. So, before anything else is imported:

* the collector's first threshold is raised to :data:`FIRST_COLLECTION` new objects: a command that reads one spec
  never collects, and one that reads hundreds of specs still does;
* when the command is done, every object is frozen (``gc.freeze()``): the interpreter's shutdown leaves them to the
  operating system instead of collecting them.

Only this entry changes the collector: importing azoai_gen, ``azoai_gen.cli`` and this module included, leaves it as
the caller set it (docs/architecture.md, "Import cost").
"""

import gc

#: New objects (net of those freed) before the first collection: more than a command that reads one spec makes,
#: dependencies included (about 60,000 for the six-region example); at most a few megabytes of garbage.
FIRST_COLLECTION = 100_000


def main() -> None:
    gc.set_threshold(FIRST_COLLECTION)
    try:
        from .cli import main as run

        run()
    finally:
        gc.freeze()


if __name__ == "__main__":
    main()
