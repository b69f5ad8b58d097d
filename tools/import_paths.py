"""Import ``"package.module:attr"`` paths the way a user expects: from the spec's folder and the
working directory too, not only from ``sys.path``.

A crew spec lives beside the user's modules (``tools: ["my_tools:forecast"]`` next to
``my_tools.py``), and the ``crewline`` console script does not put the working directory on the
path the way ``python -m`` does. The folders are on ``sys.path`` only while the import runs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from crewline.errors import ConfigurationError

__all__ = ["import_path"]


def _split(path: str, what: str) -> tuple[str, str]:
    module_name, _, attr = path.partition(":")
    if not module_name.strip() or not attr.strip():
        raise ConfigurationError(f"{what} {path!r} must look like 'package.module:attr'")
    return module_name.strip(), attr.strip()


def import_path(path: str, *, what: str, search: Sequence[Path] = ()) -> object:
    """The object at ``path``; ``search`` folders are tried after ``sys.path``, then the working
    directory. ``what`` names the field in the one-line :class:`ConfigurationError`."""
    module_name, attr = _split(path, what)
    extra = [str(folder) for folder in (*search, Path.cwd()) if str(folder) not in sys.path]
    sys.path.extend(extra)
    try:
        target: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"{what} {path!r} cannot be imported: {exc}") from None
    except Exception as exc:  # the user's module itself failed while importing
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ConfigurationError(
            f"{what} {path!r}: importing {module_name} raised {type(exc).__name__}: {first}"
        ) from None
    finally:
        for folder in extra:
            sys.path.remove(folder)
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ConfigurationError(
                f"{what} {path!r} cannot be imported: {module_name} has no attribute {attr!r}"
            )
        target = getattr(target, part)
    return target
