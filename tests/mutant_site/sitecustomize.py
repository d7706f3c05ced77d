"""The mutation pass's stub (tests/mutants.py), in every Python process of a test run — pytest's
and the `paiban` processes the tests start — through PYTHONPATH: with $PAIBAN_MUTANT =
"module:function:result", the function is replaced by one returning `result` as soon as its
module has run, so every module that imports it afterwards gets the stub."""

import ast
import importlib.abc
import os
import sys

_MUTANT = os.environ.get("PAIBAN_MUTANT")


class _Stubbing(importlib.abc.MetaPathFinder):
    def __init__(self, module: str, function: str, result):
        self.module, self.function, self.result = module, function, result

    def find_spec(self, name, path, target=None):
        if name != self.module:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        run, function, result = spec.loader.exec_module, self.function, self.result

        def exec_module(module):
            run(module)
            setattr(module, function,
                    lambda *args, **kwargs: result.copy() if hasattr(result, "copy") else result)
        spec.loader.exec_module = exec_module
        return spec


if _MUTANT:
    _module, _function, _result = _MUTANT.split(":", 2)
    sys.meta_path.insert(0, _Stubbing(_module, _function, ast.literal_eval(_result)))
