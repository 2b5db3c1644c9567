"""requirements.lock pins every dependency pyproject.toml names, so `make` installs them all."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return {canonical(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}


def pinned() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonical(n): v for n, v in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", text, re.M)}


def test_every_declared_dependency_is_pinned_with_hashes():
    pins = pinned()
    assert "django" in pins and "pytest" in pins  # the reading works
    assert declared() - set(pins) == set(), "run pip-compile again (README, 'The lock file')"
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text.split("\n\n", 1)[-1])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
