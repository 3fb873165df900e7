"""Parse a full-size NBP bulletin for every configured station (issue 10 §1 target ≤ 0.5 s).

The real file is ~35 MB with ~9,500 station blocks, numeric site ids first and lettered
stations later. This builds one from ``replay_data/nbm_sample.txt``: the sample's blocks
repeated under unique numeric ids, then its real KLAX/KMDW/KMIA blocks last, so the scan must
read the whole file (no early exit) and reports KNYC/KAUS/KDEN/KPHL missing. Run with
``.venv/bin/python -m benchmarks.nbm_parse``.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

from edge_dagster.core.cities import STATIONS
from edge_dagster.settings import DEFAULT_REPLAY_DIR
from edge_dagster.sources.nbm import parse_bulletin_file

SAMPLE = DEFAULT_REPLAY_DIR / "nbm_sample.txt"
TARGET_BLOCKS = 9_500
RUNS = 5
_BLOCK = re.compile(r"^ (\S+)( +NBM V)", re.MULTILINE)


def full_size_bulletin(path: Path) -> tuple[int, int]:
    """Write the synthetic full-size bulletin to ``path``; returns (blocks, bytes)."""
    text = SAMPLE.read_text()
    preamble, body = text[: _BLOCK.search(text).start()], text[_BLOCK.search(text).start() :]
    starts = [m.start() for m in _BLOCK.finditer(body)] + [len(body)]
    blocks = [body[a:b] for a, b in zip(starts, starts[1:], strict=False)]
    filler = TARGET_BLOCKS - len(blocks)
    with path.open("w") as out:
        out.write(preamble)
        for n in range(filler):
            # A 6-digit site id in the 4-letter id's place keeps every column where it was.
            out.write(_BLOCK.sub(f" {700000 + n:06d}  NBM V", blocks[n % len(blocks)], count=1))
        out.writelines(blocks)
    return TARGET_BLOCKS, path.stat().st_size


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blend_nbptx.t13z"
        blocks, size = full_size_bulletin(path)
        start = time.perf_counter()
        path.read_bytes()
        read_seconds = time.perf_counter() - start
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            parsed = parse_bulletin_file(path, STATIONS)
            timings.append(time.perf_counter() - start)
    print(f"bulletin: {size / 1e6:.1f} MB, {blocks:,} station blocks (configured stations last)")
    print(f"read only: {read_seconds:.3f} s")
    print(
        f"scan + parse for {len(STATIONS)} stations: median {statistics.median(timings):.3f} s, "
        f"min {min(timings):.3f} s over {RUNS} runs (target <= 0.5 s)"
    )
    print(f"blocks scanned: {parsed.scan.block_count:,}; daily-high rows: {len(parsed.highs)}")
    print(f"stations found: {', '.join(sorted(parsed.scan.blocks))}")
    print(f"stations missing: {', '.join(parsed.scan.missing) or 'none'}")


if __name__ == "__main__":
    main()
