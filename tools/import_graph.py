"""Print skcxr's package-level import graph and fail on violations of its floors.

Run from the repository root (no skcxr or TensorFlow import: the source is
parsed with :mod:`ast`)::

    python tools/import_graph.py

It prints one line per subpackage (the skcxr subpackages it imports, at module
level or inside functions) and then every violation, exiting with status 1 if
there is any:

- a cycle between subpackages;
- an upward import, against the floors of ``docs``/``DESIGN.md`` (``FLOORS``
  below: a subpackage may import only subpackages on a lower floor);
- ``features`` importing ``classifier`` (listed apart, the rule the floors
  were drawn for);
- an underscore name imported from another subpackage, other than from
  ``skcxr.utils`` (the private shared floor); a public name imported from
  another subpackage's private module (import it from the package), but for
  the few listed in ``ALLOWED_PRIVATE_MODULES``.

The duplicates once spread over the packages (image-array checks, rescalers,
the guarded ROC AUC, ``MAX_SEED``, ImageNet statistics, n_jobs resolution,
final-estimator lookup) are counted too: each definition below must exist
exactly once (see ``SINGLE_DEFINITIONS``).
"""

import ast
import sys
from collections import defaultdict
from pathlib import Path

#: Floors, lowest first (``/work/shared/DESIGN.md``: utils at the bottom, upper
#: floors import lower ones, never the reverse). A package may import packages
#: of strictly lower floors (or its own). ``skcxr/__init__.py`` and top-level
#: modules are the roof and may import anything.
FLOORS = [
    {"utils"},
    {"preprocessing", "architectures", "metrics"},
    {"datasets", "features", "classifier", "explain"},
    {"applicability"},  # embeds images with features' XRayEmbedder
    {"model_selection", "plotting"},
    {"pipeline"},
]

#: Public names of another package's private module that may be imported
#: because the package does not (and should not) export them; each with why.
#: Anything else from a private module of another package is imported from
#: the package itself (``from ..preprocessing import read_image``).
ALLOWED_PRIVATE_MODULES = {
    ("datasets", "skcxr.preprocessing._dicom_io"):
        "the DICOM folder reader sniffs and reads headers with the one DICOM decoder",
    ("features", "skcxr.architectures._layers"):
        "GridAveragePooling2D, a Keras layer of the backbones, not public API",
}

#: Names that must be defined (``def``/``class``/assignment at module level)
#: exactly once in skcxr: the logic that was once copied around.
SINGLE_DEFINITIONS = {
    "check_image_array": "the image-array validator",
    "minmax_rescale": "the min..max rescaler",
    "safe_roc_auc": "ROC AUC guarded against one-class labels",
    "MAX_SEED": "the largest seed",
    "IMAGENET_STD": "ImageNet channel std",
    "IMAGENET_MEAN": "ImageNet channel mean",
    "resolve_n_jobs": "n_jobs resolution",
    "final_estimator": "final-estimator lookup",
    "inner_estimator": "one level into a composite estimator",
    "as_unit_float": "images -> float32 in [0, 1]",
    "binary_rates": "accuracy / sensitivity / specificity from indicators",
    "positive_scores": "the positive-class column of a score array",
    "estimator_positive_scores": "the positive-class score of a fitted estimator",
    "N_JOBS_CONSTRAINT": "the n_jobs declaration",
}

#: Calls that only the one implementation makes (module paths from the repo root).
ONLY_CALLED_IN = {
    "roc_auc_score": {"skcxr/utils/_scores.py",
                      # sklearn scorer of roc_auc for a pos_label (no guard: a scorer)
                      "skcxr/metrics/_scorers.py"},
    "effective_n_jobs": {"skcxr/utils/_parallel.py"},
    "get_active_backend": {"skcxr/utils/_parallel.py"},
}

#: Literal numbers that must appear once (the constants behind the names above).
SINGLE_LITERALS = {0.229: "ImageNet std (red)", 0.485: "ImageNet mean (red)",
                   2**31 - 1: "MAX_SEED"}


def _floor(pkg):
    for i, floor in enumerate(FLOORS):
        if pkg in floor:
            return i
    return len(FLOORS)  # the roof


def _package_of(path, root):
    parts = path.relative_to(root).with_suffix("").parts
    # skcxr/x.py and private top-level packages (the command line, skcxr/_cli): the roof
    return "<top>" if len(parts) == 1 or parts[0].startswith("_") else parts[0]


def _resolve(path, root, node):
    """Absolute dotted module of an ``ImportFrom`` (None if not skcxr)."""
    if node.level == 0:
        mod = node.module or ""
        return mod if mod == "skcxr" or mod.startswith("skcxr.") else None
    here = ["skcxr", *path.relative_to(root).with_suffix("").parts]
    base = here[: len(here) - node.level]  # a module's own package is here[:-1]
    return ".".join(base + ([node.module] if node.module else []))


def _target_package(dotted, root):
    parts = dotted.split(".")
    if len(parts) < 2 or not (root / parts[1]).is_dir() or parts[1].startswith("_"):
        return "<top>"  # skcxr itself, a top-level module or a private top-level package
    return parts[1]


def _is_constant_expression(node):
    """An arithmetic expression of number literals only (``2**31 - 1``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return (isinstance(node, ast.BinOp)
            and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Pow))
            and _is_constant_expression(node.left) and _is_constant_expression(node.right))


def scan(root):
    """Edges {pkg: {imported pkg: [where]}}, private imports, definitions."""
    edges = defaultdict(lambda: defaultdict(list))
    private = []
    definitions = defaultdict(list)
    calls = defaultdict(set)
    literals = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        pkg = _package_of(path, root)
        rel = path.relative_to(root.parent)
        for node in tree.body:
            names = []
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            for name in names:
                if name in SINGLE_DEFINITIONS:
                    definitions[name].append(f"{rel}:{node.lineno}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ONLY_CALLED_IN:
                    calls[name].add(str(rel))
            elif isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes, bool)):
                if node.value in SINGLE_LITERALS:
                    literals[node.value].append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.BinOp) and _is_constant_expression(node):
                value = eval(compile(ast.Expression(node), "<literal>", "eval"))  # numbers only
                if value in SINGLE_LITERALS:
                    literals[value].append(f"{rel}:{node.lineno}")
            targets = []
            if isinstance(node, ast.ImportFrom):
                dotted = _resolve(path, root, node)
                if dotted is None:
                    continue
                for alias in node.names:
                    full = f"{dotted}.{alias.name}"
                    # "from . import _x" / "from ..pkg import name": name may be a module
                    targets.append((dotted if dotted != "skcxr" else full, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("skcxr."):
                        targets.append((alias.name, None))
            for dotted, name in targets:
                target = _target_package(dotted, root)
                if target == pkg or pkg == target == "<top>":
                    continue
                where = f"{rel}:{node.lineno}"
                edges[pkg][target].append(where)
                if target == "utils" or pkg == "<top>":
                    continue
                # a private module or a private name of another package
                private_parts = [p for p in dotted.split(".")[2:] if p.startswith("_")]
                if name and name.startswith("_") and not name.startswith("__"):
                    private.append(f"{where}: {pkg} imports {dotted}.{name}")
                elif private_parts and (pkg, dotted) not in ALLOWED_PRIVATE_MODULES:
                    private.append(f"{where}: {pkg} imports {dotted}.{name} (private module)")
    return edges, private, definitions, calls, literals


def _cycles(edges):
    found = set()
    nodes = list(edges)

    def visit(node, stack):
        for nxt in edges.get(node, {}):
            if nxt in stack:
                cycle = stack[stack.index(nxt):]
                i = cycle.index(min(cycle))
                found.add(tuple(cycle[i:] + cycle[:i]))
            elif len(stack) < len(nodes) + 1:
                visit(nxt, stack + [nxt])

    for node in nodes:
        visit(node, [node])
    return sorted(found)


def main(root=None):
    root = Path(root) if root else Path(__file__).resolve().parents[1] / "skcxr"
    edges, private, definitions, calls, literals = scan(root)
    print("skcxr package-level import graph (floor: package -> imports):")
    for pkg in sorted(set(edges) | {p for f in FLOORS for p in f}, key=lambda p: (_floor(p), p)):
        targets = ", ".join(sorted(edges.get(pkg, {}))) or "-"
        print(f"  {_floor(pkg)}: {pkg} -> {targets}")
    violations = []
    for cycle in _cycles(edges):
        violations.append("cycle: " + " -> ".join(cycle + (cycle[0],)))
    for pkg, targets in sorted(edges.items()):
        if pkg == "<top>":
            continue
        for target, where in sorted(targets.items()):
            if _floor(target) >= _floor(pkg):
                violations.append(
                    f"upward import: {pkg} (floor {_floor(pkg)}) imports {target} "
                    f"(floor {_floor(target)}) at {', '.join(where)}"
                )
            if pkg == "features" and target == "classifier":
                violations.append(f"features imports classifier at {', '.join(where)}")
    violations += [f"private import across packages: {p}" for p in private]
    for name, what in SINGLE_DEFINITIONS.items():
        where = definitions.get(name, [])
        if len(where) != 1:
            violations.append(
                f"{name} ({what}) defined {len(where)} times, expected once: {', '.join(where)}"
            )
    for name, allowed in ONLY_CALLED_IN.items():
        for where in sorted(calls.get(name, set()) - allowed):
            violations.append(f"{name} called in {where}; only {', '.join(sorted(allowed))} may")
    for value, what in SINGLE_LITERALS.items():
        if len(literals.get(value, [])) > 1:
            violations.append(
                f"{value} ({what}) written {len(literals[value])} times: "
                f"{', '.join(literals[value])}"
            )
    print(f"{len(violations)} violation(s)")
    for v in violations:
        print("  " + v)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
