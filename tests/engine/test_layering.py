import ast
import subprocess
import sys

import pytest

from conftest import ROOT


def imported_modules(source: str) -> set[str]:
    """Every module a file imports, at any depth: `import a.b` and `from a.b import c` give
    'a.b'; relative imports are skipped (they stay inside the package)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def imports_streamlit(source: str) -> bool:
    return any(m == "streamlit" or m.startswith("streamlit.") for m in imported_modules(source))


@pytest.mark.parametrize("source", [
    "import streamlit", "import streamlit as st", "import os, streamlit.components.v1",
    "from streamlit import session_state", "from streamlit.testing.v1 import AppTest",
    "def f():\n    import streamlit\n", "try:\n    from streamlit import x\nexcept ImportError:\n    pass\n",
])
def test_the_check_sees_every_form_of_importing_streamlit(source):
    assert imports_streamlit(source)


@pytest.mark.parametrize("source", [
    "import streamlit_extras", "from .streamlit import x", "x = 'import streamlit'",
    "# import streamlit", "from streamlitish import y",
])
def test_the_check_ignores_what_is_not_importing_streamlit(source):
    assert not imports_streamlit(source)


def test_gan_core_never_imports_streamlit():
    code = ("import sys, gan_core, gan_core.cli, gan_core.runs, gan_core.evaluate, "
            "gan_core.views.plotly_charts; assert 'streamlit' not in sys.modules, 'streamlit imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    files = sorted((ROOT / "gan_core").rglob("*.py"))
    assert len(files) > 20
    offenders = [p.relative_to(ROOT).as_posix() for p in files if imports_streamlit(p.read_text())]
    assert offenders == []
