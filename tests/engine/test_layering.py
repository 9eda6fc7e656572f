import subprocess
import sys

from conftest import ROOT


def test_gan_core_never_imports_streamlit():
    code = ("import sys, gan_core, gan_core.cli, gan_core.runs, gan_core.evaluate, "
            "gan_core.views.plotly_charts; assert 'streamlit' not in sys.modules, 'streamlit imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    for path in (ROOT / "gan_core").rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path
