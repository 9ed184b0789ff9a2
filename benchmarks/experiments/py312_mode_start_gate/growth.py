"""eff.py with nutpie 0.16.11's mass-matrix window growth set (argv[1]; 0.16.11's default is 1.5)."""

import runpy
import sys
import types
from pathlib import Path

from nutpie import _lib

mod = sys.modules["nutpie.sample"]
growth = float(sys.argv.pop(1))


class Settings:
    @staticmethod
    def Diag(seed):
        s = _lib.PyNutsSettings.Diag(seed)
        d = s.as_dict()
        d["settings"]["adapt_options"]["mass_matrix_window_growth"] = growth
        s.update_settings(d["settings"])
        return s


class Shim(types.ModuleType):
    PyNutsSettings = Settings

    def __getattr__(self, name):
        return getattr(_lib, name)


mod._lib = Shim("shim")
runpy.run_path(str(Path(__file__).with_name("eff.py")), run_name="__main__")
