"""Where the browser tests find Chromium, and what a missing one means: a skip on a laptop, a failure in CI."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

INSTALL_HINT = "apt-get install chromium, or set CHROMIUM_PATH"


def in_ci(environ: Mapping[str, str]) -> bool:
    # CI services set CI=true; .ci/run sets CI=1. "0"/"false" lets a developer switch it off explicitly.
    return environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_chromium(*, environ: Mapping[str, str], path: str) -> tuple[str, str] | None:
    """None when Chromium is at ``path``; otherwise ``("fail" | "skip", reason)``.

    Under CI a silent skip would turn every browser test green without running it, so it is a failure."""
    if Path(path).exists():
        return None
    if in_ci(environ):
        return "fail", f"Chromium not found at {path} and CI is set: browser tests must run in CI ({INSTALL_HINT})"
    return "skip", f"Chromium not found at {path} ({INSTALL_HINT})"
