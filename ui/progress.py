"""Progress bars for the faces (terminal and the page's first-run indexing), fed by ingest's and
eval's ``(done, total)`` callbacks."""

from __future__ import annotations

import sys


class Bar:
    """A tqdm progress bar on stderr that names its unit."""

    def __init__(self, desc: str, unit: str = "paper") -> None:
        self.desc = desc
        self.unit = unit
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=sys.stderr, smoothing=0.1)
        self.bar.n = done
        self.bar.refresh()
        if done >= total:
            self.bar.close()
