"""The README is the newcomer's map: every file or folder it names must exist, and the repository ships no
internal working notes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("clinic/", "booking/", "intake/", "frontdesk/", "templates/", "static/", "tests/", "bench/", "docs/", ".ci/")


def test_every_path_the_readme_names_exists():
    text = (ROOT / "README.md").read_text()
    named = {m for m in re.findall(r"`([\w./-]+)`", text) if m.startswith(TOP)}
    named |= {m for m in re.findall(r"\]\(([\w./-]+)\)", text) if m.startswith(TOP)}
    assert named, "the README's layout table names no paths: the walk is broken"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == []


def test_docs_hold_only_what_the_readme_names():
    text = (ROOT / "README.md").read_text()
    stray = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*")
                   if p.name != "screenshots" and p.name not in text)
    assert stray == []
