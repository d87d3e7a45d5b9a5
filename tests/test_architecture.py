"""The house shape (STYLE.md), checked on the source so it cannot drift back:
routes hold no queries and no refusal handlers, no routes module imports
another area's routes, services never commit, every object is loaded through
access.py, and every POST form in a template comes from the post_form macro."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hrdebate"
ROUTES = sorted(PACKAGE.glob("*/routes.py"))
SERVICES = sorted(PACKAGE.glob("*/services.py")) + sorted(PACKAGE.glob("*/queue.py")) + sorted(
    PACKAGE.glob("models/*.py"))
QUERY_CALLS = {"select", "execute", "scalar", "scalars", "get", "paginate", "get_or_404",
               "query", "commit", "flush", "delete", "add"}
COMMITS_ALLOWED: set[tuple[str, str]] = set()


def _tree(path):
    return ast.parse(path.read_text("utf-8"), str(path))


def _name(path):
    return str(path.relative_to(PACKAGE))


def _session_or_db_calls(tree):
    """Calls such as db.session.execute(...), db.paginate(...), select(...)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "select":
            yield node.lineno, "select"
        if isinstance(func, ast.Attribute) and func.attr in QUERY_CALLS:
            source = ast.unparse(func.value)
            if source in ("db", "db.session") or source.endswith(".session"):
                yield node.lineno, ast.unparse(func)


@pytest.mark.parametrize("path", ROUTES, ids=_name)
def test_routes_hold_no_queries(path):
    assert list(_session_or_db_calls(_tree(path))) == []


@pytest.mark.parametrize("path", ROUTES, ids=_name)
def test_routes_answer_no_refusal_themselves(path):
    handlers = [node.lineno for node in ast.walk(_tree(path))
                if isinstance(node, ast.ExceptHandler) and node.type is not None
                and "RuleError" in ast.unparse(node.type)]
    assert handlers == []


@pytest.mark.parametrize("path", ROUTES, ids=_name)
def test_no_routes_module_imports_another_areas_routes(path):
    area = path.parent.name
    imports = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module.endswith("routes") and not (node.level == 1 and module == "routes"):
                imports.append(module)
            if node.level == 2 and module.split(".")[0] != area and any(
                    alias.name == "routes" for alias in node.names):
                imports.append(module)
    assert imports == []


@pytest.mark.parametrize("path", SERVICES, ids=_name)
def test_services_never_commit(path):
    commits = []
    for function in ast.walk(_tree(path)):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "commit" \
                    and (_name(path), function.name) not in COMMITS_ALLOWED:
                commits.append(f"{function.name}:{node.lineno}")
    assert commits == []


def test_objects_are_loaded_only_through_access():
    loaders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "access.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef) and re.search(r"_or_40[34]$", node.name):
                loaders.append(f"{_name(path)}:{node.name}")
    assert loaders == []


def test_every_post_form_comes_from_the_macro():
    """A hand-written CSRF field means a hand-written POST form."""
    hand_written = []
    for path in (PACKAGE / "templates").rglob("*.html"):
        if path.relative_to(PACKAGE / "templates") == Path("_macros/forms.html"):
            continue
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if 'name="csrf_token"' in line or "form.csrf_token" in line:
                hand_written.append(f"{path.name}:{n}")
    assert hand_written == []


def test_htmx_attributes_are_valid_html():
    bare = []
    for path in (PACKAGE / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(r"(?<![\w-])hx-[a-z-]+=", line):
                bare.append(f"{path.name}:{n}")
    assert bare == []


# What a request says about its own address: the Host header, and every URL
# built from it. Only urls.py reads it (DESIGN §8): absolute links come from
# BASE_URL (urls.absolute_url_for), and a host is checked once, at the door.
REQUEST_ADDRESS = {"host", "host_url", "url_root", "root_url", "url", "base_url"}
HOST_HEADERS = {"host", "http_host", "x-forwarded-host", "http_x_forwarded_host"}
TEMPLATE_ADDRESS = re.compile(r"_external|request\.(%s)\b" % "|".join(REQUEST_ADDRESS))


def test_only_urls_py_reads_the_request_host():
    readers = []
    for path in PACKAGE.rglob("*.py"):
        if _name(path) == "urls.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.keyword) and node.arg == "_external" \
                    or isinstance(node, ast.Attribute) and node.attr in REQUEST_ADDRESS \
                    and ast.unparse(node.value) == "request" \
                    or isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.lower() in HOST_HEADERS:
                readers.append(f"{_name(path)}:{node.lineno}")
    for path in (PACKAGE / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if TEMPLATE_ADDRESS.search(line):
                readers.append(f"{path.name}:{n}")
    assert readers == []
