"""``python -m paperchat …``: the same command line as the ``paperchat`` script."""

from ui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
