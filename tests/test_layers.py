"""The stages only look down, read from the source's imports (function-local ones too).

data <- index <- uncertainty <- bayes <- evaluation <- validate, reporting <- cli; the shared
top-level modules (area_types, indicators, manifest, schemas, specs) may be used by any
stage. Only the CLI
knows Typer and Rich. No private name (``_x``) is imported from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sesindex"
#: What each stage may import of the others.
ALLOWED = {
    "data": set(),
    "index": {"data"},
    "uncertainty": {"data", "index"},
    "bayes": {"data", "index", "uncertainty"},
    "evaluation": {"data", "index", "uncertainty", "bayes"},
    "validate": {"data", "index", "uncertainty", "bayes", "evaluation"},
    "reporting": {"data", "index", "uncertainty", "bayes", "evaluation"},
    "cli": {"data", "index", "uncertainty", "bayes", "evaluation", "validate", "reporting"},
}
STAGES = set(ALLOWED)


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def _stage(path: Path) -> str | None:
    rel = path.relative_to(SRC)
    return "cli" if rel.name == "cli.py" else (rel.parts[0] if rel.parts[0] in STAGES else None)


def _violations():
    for path in sorted(SRC.rglob("*.py")):
        stage = _stage(path)
        for line, module, names in _imports(path):
            where = f"{path.relative_to(SRC)}:{line}"
            parts = module.split(".")
            if parts[0] in ("typer", "rich") and stage != "cli":
                yield f"{where} imports {module} (only the CLI knows Typer and Rich)"
            if parts[0] != "sesindex":
                continue
            target = parts[1] if len(parts) > 1 else None
            if module == "sesindex" and stage not in (None, "cli"):
                yield f"{where} imports the front door sesindex (a stage imports stages)"
            if stage and target in STAGES and target != stage and target not in ALLOWED[stage]:
                yield f"{where}: {stage} imports {module}"
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    yield f"{where} imports the private name {name} from {module}"


def test_stages_only_look_down():
    found = list(_violations())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("stage", sorted(STAGES - {"cli"}))
def test_every_stage_is_a_package(stage):
    assert (SRC / stage / "__init__.py").exists()


def test_the_front_door_is_not_shadowed_by_a_stage():
    # importing a subpackage sets it as an attribute of the package: a stage named like a
    # front-door function (as `report` once was) would replace that function
    import importlib
    import inspect

    import sesindex

    for stage in sorted(STAGES - {"cli"}) + ["cli"]:
        importlib.import_module(f"sesindex.{stage}")
    for name in sesindex.__all__:
        assert inspect.isfunction(getattr(sesindex, name)), name


#: The Bayesian model's own stages, each importing only those below it: the likelihood,
#: the model (its form, inputs, priors and graph), then sampling, the posterior's
#: products and the checks; the modules at ``bayes/``'s top (fit, spec, output,
#: simulate, smoothing) tie them together and may import any.
BAYES_BELOW = {
    "likelihood": set(),
    "model": {"likelihood"},
    "sampling": {"likelihood", "model"},
    "posterior": {"likelihood", "model", "spec"},  # the tables the spec asks for
    "checks": set(),
}


def _bayes_violations():
    bayes = SRC / "bayes"
    for path in sorted(bayes.rglob("*.py")):
        rel = path.relative_to(bayes)
        stage = rel.parts[0] if len(rel.parts) > 1 else None
        if stage is None:
            continue
        for line, module, _ in _imports(path):
            parts = module.split(".")
            if parts[:2] != ["sesindex", "bayes"] or len(parts) < 3:
                continue
            target = parts[2]
            if target != stage and target not in BAYES_BELOW[stage]:
                yield f"bayes/{rel}:{line}: {stage} imports {module}"


def test_the_bayesian_stages_only_look_down():
    found = list(_bayes_violations())
    assert not found, "\n".join(found)


def test_bayes_keeps_at_most_eight_modules_at_its_top():
    loose = sorted(p.name for p in (SRC / "bayes").glob("*.py"))
    assert len(loose) <= 8, loose


def test_the_tests_mirror_the_stages():
    tests = Path(__file__).resolve().parent
    folders = {p.parent.name for p in tests.glob("*/test_*.py")}
    assert folders <= STAGES, folders - STAGES
