"""The shared apps (meetings, opinions, follow-ups) contain no council code: none of their modules imports
``yishi.councils`` (checked on the source with ``ast``, so lazy imports inside functions count too)."""

import ast
from pathlib import Path

import pytest

import yishi

ROOT = Path(yishi.__file__).parent
SHARED = ["meetings", "opinions", "followups"]


def _imports(path: Path, source: str | None = None) -> list[str]:
    """Every module name ``path`` imports (relative imports resolved against its package)."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's package
                package = list(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base]) if base else ".".join(package)
            names.append(base)
            names += [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and (
            getattr(node.func, "id", "") or getattr(node.func, "attr", "")
        ) in ("import_module", "__import__"):
            names += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return names


def _bad(names):
    return [n for n in names if n == "yishi.councils" or n.startswith("yishi.councils.") or "councils" in n]


@pytest.mark.parametrize("app", SHARED)
def test_shared_app_never_imports_councils(app):
    files = sorted((ROOT / app).rglob("*.py"))
    assert files, app
    offenders = {str(f.relative_to(ROOT)): _bad(_imports(f)) for f in files}
    assert {f: n for f, n in offenders.items() if n} == {}


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    from yishi.councils.models import Council\n",
        "import yishi.councils.services as s\n",
        "from ...councils import services\n",
        "from yishi import councils\n",
        "importlib.import_module('yishi.councils.services')\n",
    ],
)
def test_the_check_catches_an_import(source):
    probe = (
        ROOT / "meetings" / "tests" / "probe.py"
    )  # never written: the source is parsed as if it were there
    assert _bad(_imports(probe, source)) != []


def test_the_check_passes_a_clean_module():
    probe = ROOT / "meetings" / "probe.py"
    assert (
        _bad(_imports(probe, "from .models import Meeting\nfrom yishi.audit.services import audit_record\n"))
        == []
    )
