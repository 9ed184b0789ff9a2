"""Render the demo's HTML report in headless Chromium and save a screenshot.

Run: python benchmarks/screenshot_report.py [results/demo/report.html]
Needs Debian's chromium (apt-get install chromium); writes docs/report_screenshot.png
(outside results/demo: the demo rewrites its directory whole).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> None:
    page = Path(sys.argv[1] if len(sys.argv) > 1 else "results/demo/report.html").resolve()
    shot = Path(__file__).resolve().parents[1] / "docs" / "report_screenshot.png"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1200,3800",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {shot} ({shot.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
