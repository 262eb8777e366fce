"""Task hashes: byte-identical to the real jug 2.7.0's ``Task.hash()``.

The corpus (tests/jugfiles/hash_corpus.py) declares one task or Tasklet per
value shape with ``case(label, obj)``. The real jug and jug-async each load it
in their own process (jug's ``import jug`` must not meet jug-async's aliasing)
and report every case's hash and every declared task's name and hash.
"""

from __future__ import annotations

import collections
import functools
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from jug_async import Task, TaskGenerator, Tasklet
from jug_async.errors import TaskDeclarationError

JUGFILES = Path(__file__).parent / "jugfiles"
CORPUS = JUGFILES / "hash_corpus.py"
LABELS = re.findall(r'^case\("([^"]+)"', CORPUS.read_text(), re.M)

pytestmark = pytest.mark.timeout(120)


def _load_both(tmp: Path, name: str, probe) -> tuple[dict, dict]:
    shutil.copy(JUGFILES / name, tmp / name)
    return probe("jug", name, None, tmp), probe("jug_async", name, None, tmp)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, probe_jugfile) -> tuple[dict, dict]:
    """(real jug's report, jug-async's report) on the corpus."""
    return _load_both(tmp_path_factory.mktemp("corpus"), "hash_corpus.py", probe_jugfile)


def test_corpus_is_complete(corpus) -> None:
    theirs, ours = corpus
    assert len(LABELS) == len(set(LABELS)) > 120
    assert list(theirs["cases"]) == LABELS
    assert list(ours["cases"]) == LABELS
    assert not [k for k, v in theirs["cases"].items() if v.startswith("ERROR")]


@pytest.mark.parametrize("label", LABELS)
def test_case_hash_matches_jug(corpus, label: str) -> None:
    theirs, ours = corpus
    assert ours["cases"][label] == theirs["cases"][label]


def test_every_declared_task_matches_jug_in_order(corpus) -> None:
    theirs, ours = corpus
    assert len(ours["tasks"]) == len(theirs["tasks"]) > 120
    assert [n for n, _ in ours["tasks"]] == [n for n, _ in theirs["tasks"]]
    diffs = [(i, n, h, theirs["tasks"][i][1]) for i, (n, h) in enumerate(ours["tasks"])
             if h != theirs["tasks"][i][1]]
    assert diffs == []


def test_task_names_are_module_dot_name(corpus) -> None:
    """``__name__``, not ``__qualname__``; builtins keep their own module."""
    _, ours = corpus
    names = collections.Counter(n for n, _ in ours["tasks"])
    assert names["hash_corpus.inner"] == 1  # Holder.inner
    assert names["hash_corpus.other_name"] == 1  # renamed after def
    assert names["math.factorial"] == 1
    assert names["hash_corpus.plain_add"] >= 5  # partials unwrapped to their function
    assert "hash_corpus.partial" not in names and "functools.partial" not in names


def test_graph_builds_on_the_corpus(corpus) -> None:
    _, ours = corpus
    assert ours["graph"] == "ok"


EQUAL = [
    ("kwargs_order_a", "kwargs_order_b"),
    ("dict_insertion_order_a", "dict_insertion_order_b"),
    ("task_duplicate_1", "task_duplicate_2"),
    ("partial_arg", "partial_unwrapped_equivalent"),
]
DIFFERENT = [
    ("list_vs_tuple_list", "list_vs_tuple_tuple"),
    ("float_zero", "float_neg_zero"),
    ("set_empty", "frozenset_empty"),
    ("tasklet_int", "tasklet_neg"),
    ("tasklet_lambda", "tasklet_lambda_closure"),
    ("return_tuple_0", "return_tuple_2"),
    ("partial_kw", "partial_kw_override"),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equivalent_declarations_hash_equal(corpus, a: str, b: str) -> None:
    for report in corpus:
        assert report["cases"][a] == report["cases"][b]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_distinct_declarations_hash_differently(corpus, a: str, b: str) -> None:
    for report in corpus:
        assert report["cases"][a] != report["cases"][b]


def test_hashes_do_not_depend_on_hash_randomisation(corpus, probe_jugfile, tmp_path) -> None:
    """Sets and dicts of strings are ordered by digest, not by Python's str hash."""
    shutil.copy(CORPUS, tmp_path / CORPUS.name)
    for seed in ("1", "2"):
        again = probe_jugfile("jug_async", CORPUS.name, None, tmp_path,
                              env={"PYTHONHASHSEED": seed})
        assert again["cases"] == corpus[1]["cases"]


def test_taskgenerator_as_argument_hashes_as_jug(tmp_path, probe_jugfile) -> None:
    theirs, ours = _load_both(tmp_path, "hash_generator_arg.py", probe_jugfile)
    assert not any(v.startswith("ERROR") for v in theirs["cases"].values())
    assert ours["cases"] == theirs["cases"]


# ---- declarations jug refuses --------------------------------------------------


def _double(x):
    return 2 * x


def test_lambda_as_task_function_raises() -> None:
    with pytest.raises(TaskDeclarationError):
        Task(lambda x: x, 1)
    with pytest.raises(TaskDeclarationError):
        Task(functools.partial(lambda x, y: x + y, 1), 2)
    with pytest.raises(TaskDeclarationError):
        TaskGenerator(lambda x: x)
    # jug raises ValueError: code written for jug that catches it keeps working
    assert issubclass(TaskDeclarationError, ValueError)


def test_lambda_is_fine_in_a_tasklet() -> None:
    t = Task(_double, 1)
    assert len(Tasklet(t, lambda r: r + 1).__jug_hash__()) == 40


Pair = collections.namedtuple("Pair", "a b")


class MyList(list):
    pass


@pytest.mark.parametrize("wrap", [
    pytest.param(lambda t: Pair(t, 2), id="namedtuple"),
    pytest.param(lambda t: Pair(1, [t]), id="namedtuple-nested"),
    pytest.param(lambda t: [Pair(t, 2)], id="namedtuple-in-list"),
    pytest.param(lambda t: MyList([t]), id="list-subclass"),
    pytest.param(lambda t: {"k": Pair(t[0], 1)}, id="tasklet-in-namedtuple"),
])
def test_task_inside_a_tuple_subclass_raises(wrap) -> None:
    t = Task(_double, 1)
    with pytest.raises(TaskDeclarationError):
        Task(_double, wrap(t)).hash()


def test_namedtuple_without_tasks_is_fine() -> None:
    assert len(Task(_double, Pair(1, 2)).hash()) == 40


def test_datetime64_array_is_refused_as_jug_refuses_it() -> None:
    """jug 2.7 feeds the array's buffer to SHA-1, which numpy refuses for
    datetime64 ('cannot include dtype 'M' in a buffer'): no hash exists to match."""
    dates = np.array(["2024-01-01", "2024-02-29"], dtype="datetime64[D]")
    with pytest.raises(ValueError):
        Task(_double, dates).hash()


def test_hashing_imports_no_declaration_module() -> None:
    """hashing is below api/ (imports point down only): no import in it, even inside
    a function, may reach api.task or api.registry, which import hashing."""
    import ast

    import jug_async.hashing

    tree = ast.parse(Path(jug_async.hashing.__file__).read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported, "the walk found no import at all"
    assert not [m for m in imported if "api" in m.split(".")], imported
