"""Every user error through the command line: one message naming the offending thing,
exit status 2 (1 for ``data check`` finding problems), no traceback, nothing written.

Each case fails before any data are fitted: a refused input costs no sampling.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sesindex.cli import app

runner = CliRunner()

SPECS = {
    # model specs
    "typo.toml": '[model]\nname = "mine"\n\n[sampler]\ntargt_accept = 0.9\n',
    "type.toml": '[sampler]\ndraws = 100\nchains = "two"\n',
    "range.toml": "# a comment\n[sampler]\ntarget_accept = 1.5  # too high\n",
    "section.toml": '[model]\nname = "mine"\n[sampler]\n[gates]\nrhat_max = 1.01\n',
    "pair.toml": '[model]\nsteps = "jumps"\nmunicipality = true\n',
    "syntax.toml": '[model]\nname = "mine"\n[sampler\nchains = 2\n',
    "adjacency.toml": '[model]\nadjacency = "no_such_pairs.csv"\n',
    # index specs
    "index_value.toml": '[index]\nname = "mine"\nnormalisation = "zscor"\n',
    "index_weights.toml": "[index]\nweights = [\n  1.0,\n  2.0,\n]\n[types]\nddof = 3\n",
    # study specs
    "bootstrap.toml": 'study = "bootstrap"\nyears = [2022]\n[bootstrap]\nreplicate = 10\n',
    "variants.toml": (
        'study = "sensitivity"\n[[variants]]\nname = "a"\n[[variants]]\n'
        'name = "b"\nnormalisation = "rnak"\n'
    ),
    "nested.toml": 'study = "stress"\n[stress]\nseeds = 2\n[stress.sampler]\ninit = "mod"\n',
    "mystudy.toml": "years = [2022]\n",
    "typo_study.toml": 'study = "bootstrapp"\n',
    "top.toml": 'study = "change"\nseeds = 3\n',
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The bad specs, bad data files, treated files and run folders of the cases."""
    root = tmp_path_factory.mktemp("inputs")
    for name, text in SPECS.items():
        (root / name).write_text(text)
    (root / "studies").mkdir()
    (root / "studies" / "stability.toml").write_text("years = [2022, 2023]\n")
    (root / "studies" / "change.toml").write_text("[change]\nalpha = 1.5\n")
    (root / "bad_header.csv").write_text("code,yr,ind,value\n0114R001,2022,V1,3\n")
    (root / "not_a_run").mkdir()
    (root / "not_a_run" / "notes.txt").write_text("nothing of a run\n")
    (root / "unknown_areas.csv").write_text("area_code,start_year\n9999R999,2021\n")
    (root / "controls.csv").write_text("area_code\n0114R001\n")
    _fit_run(root / "fit_run", "fit")
    _fit_run(root / "index_run", "index")
    return root


def _fit_run(folder: Path, command: str) -> None:
    """A run folder as ``sesindex fit`` writes it, in the few files evaluate reads first
    (no posterior: every case is refused before the evaluation's refit).
    """
    from sesindex.bayes import ModelSpec
    from sesindex.data.io import load_data

    loaded = load_data("synthetic", n_areas=12, years=(2020, 2021, 2022))
    folder.mkdir()
    loaded.tidy.to_csv(folder / "data.csv", index=False)
    areas = loaded.tidy[["area_code", "year"]].drop_duplicates().assign(ses_mean=0.0)
    areas.to_csv(folder / "areas.csv", index=False)
    (folder / "manifest.json").write_text(
        json.dumps({"command": command, "fit_ok": True, "spec": ModelSpec().to_dict()})
    )


def _invoke(args: list[str], files: Path, tmp_path: Path):
    args = [a.replace("{files}", str(files)).replace("{out}", str(tmp_path / "out")) for a in args]
    return runner.invoke(app, args)


#: (command line, exit status, what the message names); {files}: the inputs' folder
CASES = {
    # specs: by name, by file, every command that takes one
    "unknown spec name (index)": (
        ["index", "--spec", "offical", "--out", "{out}"],
        2,
        ["'offical'", "official, official_population_weighted"],
    ),
    "unknown spec name (fit)": (
        ["fit", "--spec", "latent_factr", "--out", "{out}"],
        2,
        ["'latent_factr'", "latent_factor"],
    ),
    "spec file missing (fit)": (
        ["fit", "--spec", "{files}/none.toml", "--out", "{out}"],
        2,
        ["none.toml", "neither a file nor a packaged spec"],
    ),
    "spec file missing (validate)": (
        ["validate", "{files}/none.toml", "--out", "{out}"],
        2,
        ["none.toml", "No such file"],
    ),
    "mistyped key": (
        ["fit", "--spec", "{files}/typo.toml", "--out", "{out}"],
        2,
        [
            "typo.toml:5:",
            "sampler.targt_accept",
            "unknown key",
            "did you mean 'target_accept'",
            "allowed: advi_iterations",
        ],
    ),
    "bad value type": (
        ["fit", "--spec", "{files}/type.toml", "--out", "{out}"],
        2,
        ["type.toml:3:", "sampler.chains", "valid integer", "'two'"],
    ),
    "value out of range": (
        ["fit", "--spec", "{files}/range.toml", "--out", "{out}"],
        2,
        ["range.toml:3:", "sampler.target_accept", "less than 1", "1.5"],
    ),
    "unknown section": (
        ["fit", "--spec", "{files}/section.toml", "--out", "{out}"],
        2,
        ["section.toml:4:", "gates", "did you mean 'gate'", "allowed: gate, model, sampler"],
    ),
    "options that do not go together": (
        ["fit", "--spec", "{files}/pair.toml", "--out", "{out}"],
        2,
        ["pair.toml:1:", "steps = 'jumps'", "municipality = false"],
    ),
    "a retired option": (
        ["fit", "--spec", "{files}/adjacency.toml", "--out", "{out}"],
        2,
        ["adjacency.toml:2:", "model.adjacency", "unknown key"],
    ),
    "TOML syntax error (fit)": (
        ["fit", "--spec", "{files}/syntax.toml", "--out", "{out}"],
        2,
        ["syntax.toml:3:", "TOML syntax", "Expected ']'"],
    ),
    "TOML syntax error (index)": (
        ["index", "--spec", "{files}/syntax.toml", "--out", "{out}"],
        2,
        ["syntax.toml:3:", "TOML syntax"],
    ),
    "index spec value": (
        ["index", "--spec", "{files}/index_value.toml", "--out", "{out}"],
        2,
        [
            "index_value.toml:3:",
            "index.normalisation",
            "'zscor'",
            "'none', 'zscore', 'minmax' or 'rank'",
        ],
    ),
    "index spec weights and ddof": (
        ["index", "--spec", "{files}/index_weights.toml", "--out", "{out}"],
        2,
        [
            "index_weights.toml:1:",
            "weights has 2 entries",
            "index_weights.toml:7:",
            "types.ddof",
            "(got 3)",
        ],
    ),
    "study spec key": (
        ["validate", "{files}/bootstrap.toml", "--out", "{out}"],
        2,
        ["bootstrap.toml:4:", "bootstrap.replicate", "did you mean 'replicates'"],
    ),
    "study spec key (--check)": (
        ["validate", "{files}/bootstrap.toml", "--check"],
        2,
        ["bootstrap.toml:4:", "bootstrap.replicate"],
    ),
    "study variant value": (
        ["validate", "{files}/variants.toml", "--check"],
        2,
        ["variants.toml:6:", "variants.1.normalisation", "'rnak'"],
    ),
    "study sampler override": (
        ["validate", "{files}/nested.toml", "--out", "{out}"],
        2,
        ["nested.toml:5:", "stress.sampler.init", "'mod'"],
    ),
    "unknown study (from the file's name)": (
        ["validate", "{files}/mystudy.toml", "--out", "{out}"],
        2,
        ["mystudy.toml", "'mystudy'", "bootstrap"],
    ),
    "unknown study": (
        ["validate", "{files}/typo_study.toml", "--out", "{out}"],
        2,
        ["typo_study.toml:1:", "study", "'bootstrapp'", "allowed: stability"],
    ),
    "unknown top-level key of a study": (
        ["validate", "{files}/top.toml", "--out", "{out}"],
        2,
        ["top.toml:2:", "seeds", "did you mean 'seed'"],
    ),
    "one bad study spec of --all (before any study runs)": (
        ["validate", "--all", "--specs-dir", "{files}/studies", "--out", "{out}"],
        2,
        ["change.toml:2:", "change.alpha", "less than 1", "1.5"],
    ),
    "sampler option out of range": (
        ["fit", "--draws", "-5", "--out", "{out}"],
        2,
        ["sampler.draws", "-5"],
    ),
    # data
    "unknown --data name": (
        ["index", "--spec", "official", "--data", "synthetc", "--out", "{out}"],
        2,
        ["'synthetc'", "packaged dataset"],
    ),
    "data file missing": (
        ["fit", "--data", "{files}/none.csv", "--out", "{out}"],
        2,
        ["none.csv", "neither a packaged dataset", "nor an existing file"],
    ),
    "malformed CSV (index)": (
        ["index", "--spec", "official", "--data", "{files}/bad_header.csv", "--out", "{out}"],
        2,
        ["missing_columns", "area_code and year"],
    ),
    "malformed CSV (fit)": (
        ["fit", "--data", "{files}/bad_header.csv", "--out", "{out}"],
        2,
        ["missing_columns", "area_code and year"],
    ),
    "malformed CSV (data check finds it)": (
        ["data", "check", "{files}/bad_header.csv"],
        1,
        ["bad_header.csv", "missing_columns"],
    ),
    "data check of a file that does not exist": (
        ["data", "check", "{files}/none.csv"],
        2,
        ["none.csv"],
    ),
    # options
    "years not years": (
        ["fit", "--years", "2011-20x4", "--out", "{out}"],
        2,
        ["--years '2011-20x4'", "not years"],
    ),
    "years reversed": (
        ["fit", "--years", "2014-2011", "--out", "{out}"],
        2,
        ["--years '2014-2011'", "backwards", "2011-2014"],
    ),
    "years outside the data": (
        ["fit", "--years", "2040-2041", "--out", "{out}"],
        2,
        ["2040", "outside the synthetic panel"],
    ),
    "fetch years not years (before any download)": (
        ["fetch", "--years", "2020-20x1", "--cache", "{out}"],
        2,
        ["--years '2020-20x1'", "not years"],
    ),
    "fetch years empty (before any download)": (
        ["fetch", "--years", "", "--cache", "{out}"],
        2,
        ["--years ''", "no years"],
    ),
    "publish years empty (before any download)": (
        ["publish", "--from-scb", "--years", "", "--out", "{out}"],
        2,
        ["--years ''", "no years"],
    ),
    "areas none": (
        ["fit", "--areas", "0", "--out", "{out}"],
        2,
        ["--areas", "greater than or equal to 1"],
    ),
    "areas of data that are not synthetic": (
        ["fit", "--areas", "5", "--data", "{files}/bad_header.csv", "--out", "{out}"],
        2,
        ["--areas 5", "synthetic data only"],
    ),
    "cutpoints not numbers": (
        ["index", "--spec", "official", "--cutpoints", "9.1;x", "--out", "{out}"],
        2,
        ["--cutpoints", "'9.1'"],
    ),
    "cutpoints sigma": (
        ["fit", "--cutpoints", "9.1,0", "--out", "{out}"],
        2,
        ["--cutpoints", "sigma must be positive"],
    ),
    "compare not a pair": (
        ["fit", "--compare", "2015", "--out", "{out}"],
        2,
        ["--compare", "2015"],
    ),
    # runs
    "report of a folder that is not a run": (
        ["report", "--run", "{files}/not_a_run"],
        2,
        ["not_a_run", "not a sesindex run directory"],
    ),
    "evaluate: treated file missing": (
        ["evaluate", "--run", "{files}/fit_run", "--treated", "{files}/none.csv", "--out", "{out}"],
        2,
        ["--treated", "none.csv", "does not exist"],
    ),
    "evaluate: treated areas unknown": (
        [
            "evaluate",
            "--run",
            "{files}/fit_run",
            "--treated",
            "{files}/unknown_areas.csv",
            "--out",
            "{out}",
        ],
        2,
        ["not in the data: 9999R999"],
    ),
    "evaluate: treated file without start years": (
        [
            "evaluate",
            "--run",
            "{files}/fit_run",
            "--treated",
            "{files}/controls.csv",
            "--out",
            "{out}",
        ],
        2,
        ["--start"],
    ),
    "evaluate: run that is not a run folder": (
        [
            "evaluate",
            "--run",
            "{files}/not_a_run",
            "--treated",
            "{files}/unknown_areas.csv",
            "--out",
            "{out}",
        ],
        2,
        ["not_a_run", "not a complete fit run"],
    ),
    "evaluate: run of another command": (
        [
            "evaluate",
            "--run",
            "{files}/index_run",
            "--treated",
            "{files}/unknown_areas.csv",
            "--out",
            "{out}",
        ],
        2,
        ["'index' run", "sesindex fit"],
    ),
    "evaluate: controls neither a choice nor a file": (
        [
            "evaluate",
            "--run",
            "{files}/fit_run",
            "--treated",
            "{files}/unknown_areas.csv",
            "--controls",
            "nearest",
            "--out",
            "{out}",
        ],
        2,
        ["--controls 'nearest'"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_user_error_is_one_message_with_its_exit_status(case, files, tmp_path):
    args, status, named = CASES[case]
    got = _invoke(args, files, tmp_path)
    text = " ".join(got.output.split())
    assert got.exit_code == status, got.output
    assert isinstance(got.exception, SystemExit), got.output  # no other exception
    assert "Traceback" not in got.output
    for needle in named:
        assert needle.replace("{files}", str(files)) in text, (needle, got.output)
    assert not (tmp_path / "out").exists()  # nothing written


def test_every_spec_error_of_a_file_names_the_file_and_a_line(files):
    """The library's loaders say the same as the command line."""
    from sesindex.bayes import load_model_spec
    from sesindex.index import load_spec
    from sesindex.spec_errors import SpecError
    from sesindex.validate import StudySpec

    for name, text in SPECS.items():
        loader = (
            StudySpec.load
            if "study" in text or name.endswith("study.toml")
            else load_spec
            if name.startswith("index")
            else load_model_spec
        )
        with pytest.raises(SpecError) as caught:
            loader(files / name)
        for problem in caught.value.problems:
            assert problem.line is not None or name == "mystudy.toml", (name, problem)
        assert all(line.startswith(str(files / name)) for line in str(caught.value).splitlines()), (
            str(caught.value)
        )
