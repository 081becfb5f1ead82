"""The package's rooms import downward only (README, design notes): a room may use what is
below it in LAYERS, never what is above, so each piece has one place and no cycles."""

import ast

from assessment_service.config import PROJECT_ROOT

# Bottom first. The factory (__init__) and commands wire everything and sit above all.
LAYERS = [
    "config",
    "core",
    "platform",
    "http",
    "identity",
    "events",
    "courses",
    "authoring",
    "grading",
    "taking",
    "analytics",
    "integrations",
]
PACKAGE = PROJECT_ROOT / "assessment_service"


def imported_rooms(path):
    """(line, room) of every relative import of another room in one module."""
    here = list(path.relative_to(PACKAGE).parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - node.level + 1]
            target = base + (node.module.split(".") if node.module else [])
            if target:
                yield node.lineno, target[0].removesuffix(".py")


def test_every_module_belongs_to_a_room():
    rooms = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in PACKAGE.rglob("*.py")}
    assert rooms - {"__init__", "commands"} <= set(LAYERS)


def test_imports_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if room not in LAYERS:
            continue
        for line, target in imported_rooms(path):
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(room):
                upward.append(f"{path.relative_to(PROJECT_ROOT)}:{line} imports {target}")
    assert upward == []


def test_scoring_and_the_question_types_are_pure():
    modules = [
        PACKAGE / "grading" / "scoring.py",
        PACKAGE / "taking" / "papers.py",
        *sorted((PACKAGE / "authoring" / "question_types").glob("*.py")),
    ]
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        absolute = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        absolute |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level}
        assert absolute <= {"decimal", "fractions"}, path
        relative = {target for _, target in imported_rooms(path)}
        assert relative <= {"authoring", "core"}, path
