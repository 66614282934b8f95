"""``python -m cstrdf`` runs the command line."""

from cstrdf.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
