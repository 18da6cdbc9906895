"""Check that a document split into several moved every number-bearing line verbatim.

    git show 9c38203:README.md > /tmp/README.old.md
    python scripts/check_moved_lines.py /tmp/README.old.md README.md docs/*.md docs/results/*.md

Every line of OLD that holds a digit must appear, whole (leading and trailing spaces ignored; relative links
``](docs/...)`` re-based for pages under ``docs/``), among the lines of the NEW files. Prints the count and every
line that is missing; exit status 1 if any is.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="+")
    args = parser.parse_args(argv)
    found: set[str] = set()
    for path in args.new:
        for line in path.read_text().splitlines():
            line = line.strip()
            found.add(line)
            found.add(re.sub(r"\]\((\.\./)+", "](docs/", line))  # a page under docs/ links one level up
            found.add(line.replace("](", "](docs/").replace("](docs/docs/", "](docs/"))
    lines = [line.strip() for line in args.old.read_text().splitlines() if re.search(r"\d", line)]
    missing = [line for line in lines if line not in found]
    print(f"{len(lines) - len(missing)} of {len(lines)} number-bearing lines of {args.old} found verbatim")
    for line in missing:
        print(f"  missing: {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
