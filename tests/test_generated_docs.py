"""The generated validation tables are up to date: docs/validation_tables.md equals what
docs/generate_tables.py makes from the committed manifests now.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate_tables", ROOT / "docs" / "generate_tables.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_tables_equal_the_generated_ones():
    committed = (ROOT / "docs" / "validation_tables.md").read_text(encoding="utf-8")
    assert committed == load_generator().render(ROOT), (
        "docs/validation_tables.md is out of date: run `python docs/generate_tables.py`"
    )


def test_every_study_has_a_section():
    page = load_generator().render(ROOT)
    for path in sorted((ROOT / "results" / "validation").glob("*/manifest.json")):
        manifest = json.loads(path.read_text())
        assert f"## {manifest['title']}" in page
        assert f"results/validation/{path.parent.name}/" in page


def test_a_changed_result_changes_the_page(tmp_path):
    source = ROOT / "results" / "validation" / "stress" / "manifest.json"
    target = tmp_path / "results" / "validation" / "stress" / "manifest.json"
    target.parent.mkdir(parents=True)
    shutil.copy(source, target)
    generator = load_generator()
    before = generator.render(tmp_path)
    manifest = json.loads(target.read_text())
    manifest["results"]["coverage90"]["baseline|index"] = 0.5
    target.write_text(json.dumps(manifest))
    after = generator.render(tmp_path)
    assert "| baseline | 0.500 |" in after and "| baseline | 0.500 |" not in before


def test_an_unreadable_manifest_is_named(tmp_path):
    target = tmp_path / "results" / "validation" / "broken" / "manifest.json"
    target.parent.mkdir(parents=True)
    target.write_text(
        json.dumps(
            {
                "title": "t",
                "command": "validate x.toml",
                "packages": {},
                "study": "stress",
                "results": {},
            }
        )
    )
    with pytest.raises(ValueError, match="broken/manifest.json"):
        load_generator().render(tmp_path)
