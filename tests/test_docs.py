"""The documentation stands alone: no pointer outside the repository, no broken link."""

import re

from tests.conftest import ROOT

# Notes kept outside the repository, which a clone does not have.
OUTSIDE = re.compile("HUB-" + "RULES|DESIGN" + r"\.md|\.\./" + "shared")
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def repository_files(*patterns: str) -> list:
    return sorted(
        path
        for pattern in patterns
        for path in ROOT.glob(pattern)
        if not {".venv", "var", "node_modules"} & set(path.relative_to(ROOT).parts)
    )


def test_nothing_points_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in repository_files("*.md", "docs/*.md", "**/*.py", "**/*.html", "Makefile")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_every_relative_link_leads_to_a_file():
    missing = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in repository_files("*.md", "docs/*.md")
        for target in MARKDOWN_LINK.findall(path.read_text())
        if "://" not in target and not (path.parent / target).exists()
    ]
    assert missing == []


def test_the_readme_links_the_documentation_index():
    assert "](docs/index.md)" in (ROOT / "README.md").read_text()
