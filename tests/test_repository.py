"""Repository plumbing: the README's promises, the book's table of contents, Binder's env."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_readme_has_exactly_two_setup_commands_and_they_exist() -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    commands = [ln for b in blocks for ln in b.splitlines() if ln.strip()]
    assert [c.split("#")[0].strip() for c in commands] == [
        "bash tools/book.sh",
        "bash tools/test.sh",
    ]
    assert (ROOT / "tools" / "book.sh").exists() and (ROOT / "tools" / "test.sh").exists()
    assert "tools/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_every_notebook_is_in_the_toc_and_the_readme() -> None:
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    files = {c["file"] for c in toc["chapters"]}
    notebooks = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert notebooks == files
    readme = (ROOT / "README.md").read_text()
    for nb in sorted(notebooks):
        assert f"({nb}.ipynb)" in readme


def test_binder_environment_matches_the_package_dependencies() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    names = {re.split(r"[=<> ]", d)[0] for d in deps}
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert {"graphviz", "python-graphviz"} <= names  # the dot program and the bindings
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda_name = {"pyyaml": "pyyaml", "graphviz": "python-graphviz"}
    for dep in project["dependencies"]:
        name = re.split(r"[=<> \[]", dep)[0].lower()
        assert conda_name.get(name, name) in names, name
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
