"""Hashing corpus: every value shape jug 2.7 hashes, each as its own task.

Loaded (never executed) by tests/test_hashing.py, once by the real jug and once
by jug-async, each in its own process; every ``case(label, obj)`` hash must agree.
Labels are plain string literals so the test can collect them without loading.
"""

import collections
import functools
import math
import operator
from fractions import Fraction

import numpy as np
from jug import Task, TaskGenerator, Tasklet, iteratetask, return_tuple
from jug.hash import hash_one, hash_update, new_hash_object

CASES = {}


def case(label, obj):
    if label in CASES:
        raise KeyError(f"duplicate case label {label}")
    CASES[label] = obj
    return obj


@TaskGenerator
def ident(x):
    return x


@TaskGenerator
def pair(a, b):
    return (a, b)


@TaskGenerator
def call(f, *args, **kwargs):
    return f(*args, **kwargs)


def plain_add(a, b=0, c=0):
    return a + b + c


def helper(x):
    return x


class Holder:
    @staticmethod
    def inner(x):  # __qualname__ Holder.inner, __name__ inner
        return x


def renamed(x):
    return x


renamed.__name__ = "other_name"

Point = collections.namedtuple("Point", "x y")


class Custom:
    """A user type with jug's hashing hook."""

    def __init__(self, key):
        self.key = key

    def __jug_hash__(self):
        return ("custom:" + self.key).encode()


class CustomWithHelpers:
    """A user type hashing itself with jug.hash's helpers."""

    def __init__(self, key, dep):
        self.key = key
        self.dep = dep

    def __jug_hash__(self):
        m = new_hash_object()
        hash_update(m, [("key", self.key), ("one", hash_one([self.key, 1]))])
        m.update(self.dep.hash())
        return m.hexdigest().encode()


base = ident(7)
other = ident("other")

# ---- scalars ---------------------------------------------------------------
case("int_zero", ident(0))
case("int_small", ident(42))
case("int_neg", ident(-7))
case("int_255_256", pair(255, 256))
case("int_big", ident(2**64))
case("int_huge_neg", ident(-(10**40)))
case("str_empty", ident(""))
case("str_ascii", ident("abc"))
case("str_unicode", ident("héllo ✓ 日本語 \U0001f600"))
case("str_nul", ident("a\x00b"))
case("bytes_empty", ident(b""))
case("bytes_binary", ident(b"\x00\xff\x80 bin"))
case("bytearray", ident(bytearray(b"ba")))
case("float_simple", ident(1.5))
case("float_nan", ident(float("nan")))
case("float_neg_zero", ident(-0.0))
case("float_zero", ident(0.0))
case("float_inf", ident(float("inf")))
case("float_neg_inf", ident(float("-inf")))
case("float_tiny", ident(5e-324))
case("complex", ident(1 - 2j))
case("none", ident(None))
case("true", ident(True))
case("false", ident(False))
case("fraction", ident(Fraction(1, 3)))
case("range", ident(range(3)))
case("no_args", Task(helper))

# ---- containers -------------------------------------------------------------
case("list_empty", ident([]))
case("tuple_empty", ident(()))
case("dict_empty", ident({}))
case("set_empty", ident(set()))
case("frozenset_empty", ident(frozenset()))
case("list_vs_tuple_list", ident([1, 2]))
case("list_vs_tuple_tuple", ident((1, 2)))
case("list_with_task", ident([1, base, "x"]))
case("tuple_with_task", ident((base, (base, other), 3)))
case("nested_deep", ident([[[[base]]], ((), [{}]), {"k": [(1, base)]}]))
case("dict_str_keys", ident({"b": 2, "a": 1, "c": base}))
case("dict_mixed_keys", ident({1: base, "1": "one", 2.5: [base], None: None,
                              (1, "a"): other, b"k": 3, frozenset({1, 2}): -1}))
case("dict_insertion_order_a", ident({"x": 1, "y": 2}))
case("dict_insertion_order_b", ident({"y": 2, "x": 1}))
case("dict_nested", ident({"outer": {"inner": {"task": base, "list": [other, 1]}}}))
case("set_ints", ident({3, 1, 2}))
case("set_strs", ident({"pear", "apple", "fig"}))
case("set_mixed", ident({1, "1", 1.5, None, (2, 3)}))
case("set_with_tasks", ident({base, other}))
case("frozenset_strs", ident(frozenset({"b", "a"})))
case("frozenset_with_task", ident(frozenset({base, 5})))
case("set_of_frozensets", ident({frozenset({1}), frozenset({"a", "b"})}))
case("list_long", ident(list(range(1500))))
case("set_long", ident(set(range(1100))))
case("namedtuple_plain", ident(Point(1, 2)))
case("ordereddict_plain", ident(collections.OrderedDict([("b", 1), ("a", 2)])))
case("custom_hash", ident(Custom("k1")))
case("custom_hash_in_list", ident([Custom("k2"), base]))
case("custom_hash_with_jug_helpers", ident(CustomWithHelpers("k3", base)))

# ---- numpy arrays -----------------------------------------------------------
case("np_float64", ident(np.linspace(0, 1, 7)))
case("np_float64_nan", ident(np.array([np.nan, -0.0, np.inf])))
case("np_int8", ident(np.array([-128, 0, 127], dtype=np.int8)))
case("np_uint16", ident(np.arange(5, dtype=np.uint16)))
case("np_int64_big_endian", ident(np.arange(4, dtype=">i8")))
case("np_bool", ident(np.array([True, False, True])))
case("np_complex", ident(np.array([1 + 2j, -3j], dtype=np.complex128)))
case("np_float32_2d", ident(np.arange(12, dtype=np.float32).reshape(3, 4)))
case("np_fortran", ident(np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))))
case("np_slice_step", ident(np.arange(20)[::3]))
case("np_slice_column", ident(np.arange(12).reshape(3, 4)[:, 1]))
case("np_transposed", ident(np.arange(6).reshape(2, 3).T))
case("np_0d", ident(np.array(3.25)))
case("np_0d_int", ident(np.array(7, dtype=np.int16)))
case("np_empty", ident(np.zeros((0, 3))))
case("np_unicode", ident(np.array(["a", "bcd"])))
case("np_bytes", ident(np.array([b"a", b"bc"])))
case("np_structured", ident(np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])))
case("np_object", ident(np.array([1, "a", None, 2.5], dtype=object)))
case("np_object_2d", ident(np.array([[1, "a"], [None, (1, 2)]], dtype=object)))
case("np_object_0d", ident(np.array("zero-d", dtype=object)))
_with_task = np.empty(2, dtype=object)
_with_task[0] = base
_with_task[1] = 3
case("np_object_with_task", ident(_with_task))
case("np_in_list", ident([np.arange(3), {"a": np.ones(2)}]))

# ---- numpy scalars ----------------------------------------------------------
case("np_scalar_float64", ident(np.float64(2.5)))
case("np_scalar_float32_nan", ident(np.float32("nan")))
case("np_scalar_int8", ident(np.int8(-3)))
case("np_scalar_uint64", ident(np.uint64(2**63)))
case("np_scalar_bool", ident(np.bool_(True)))
case("np_scalar_complex64", ident(np.complex64(1 + 1j)))
case("np_dtype", ident(np.dtype("f4")))

# ---- kwargs -------------------------------------------------------------------
case("kwargs_simple", Task(plain_add, 1, b=2))
case("kwargs_only", Task(plain_add, a=1, b=2, c=3))
case("kwargs_order_a", Task(plain_add, a=1, b=2))
case("kwargs_order_b", Task(plain_add, b=2, a=1))
case("kwargs_task", Task(plain_add, base, c=other, b=[base]))
case("kwargs_generator", call(plain_add, 1, c=base))

# ---- Tasklets -----------------------------------------------------------------
p = pair(base, other)
case("tasklet_int", p[0])
case("tasklet_neg", p[-1])
case("tasklet_str", ident({"k": 1})["k"])
case("tasklet_slice", ident([1, 2, 3, 4])[1:3])
case("tasklet_slice_step", ident([1, 2, 3, 4])[::2])
case("tasklet_by_task", ident([10, 20])[ident(1)])
case("tasklet_iteratetask", iteratetask(ident((1, 2, 3)), 3)[1])
case("tasklet_of_tasklet", p[0][1])
case("tasklet_of_tasklet_of_tasklet", ident([[[1]]])[0][0][0])
case("tasklet_lambda", Tasklet(base, lambda r: r + 1))
_offset = 5
case("tasklet_lambda_closure", (lambda off: Tasklet(base, lambda r: r + off))(_offset))
case("tasklet_function", Tasklet(base, helper))
case("task_of_tasklet", ident(p[1]))
case("task_of_tasklets_in_list", ident([p[0], p[1], iteratetask(p, 2)[0]]))
case("task_of_tasklet_in_dict", ident({"first": p[0]}))
case("dict_task_keys", ident({base: 1, other: [2]}))
case("dict_tasklet_key", ident({p[0]: "x", "plain": p[1]}))
case("tasklet_lambda_of_tasklet", Tasklet(p[1], lambda r: r * 2))
case("tasklet_builtin_function", Tasklet(base, str))


@return_tuple(3)
@TaskGenerator
def three(x):
    return x, x + 1, x + 2


_a, _b, _c = three(4)
case("return_tuple_0", _a)
case("return_tuple_2", _c)
case("task_of_return_tuple", pair(_a, _b))

# ---- functools.partial --------------------------------------------------------
case("partial_arg", Task(functools.partial(plain_add, 1), 2))
case("partial_unwrapped_equivalent", Task(plain_add, 1, 2))
case("partial_kw", Task(functools.partial(plain_add, c=5), 1, b=2))
case("partial_kw_override", Task(functools.partial(plain_add, c=5), 1, c=6))
case("partial_nested", Task(functools.partial(functools.partial(plain_add, 1), 2), c=3))
case("partial_of_generator_f", Task(functools.partial(ident.f, base)))

# ---- functions as arguments and as task functions -------------------------------
case("arg_jugfile_function", call(helper, 3))
case("arg_builtin", call(len, "abc"))
case("arg_math", call(math.sqrt, 4.0))
case("arg_operator", call(operator.add, 1, base))
case("arg_numpy_function", call(np.sum, [1, 2]))
case("arg_numpy_ufunc", call(np.add, 1, 2))
case("arg_class", call(Fraction, 1, 2))
case("arg_staticmethod", call(Holder.inner, 1))
case("task_builtin_function", Task(math.factorial, 5))
case("task_numpy_function", Task(np.arange, 3))
case("task_staticmethod_name", Task(Holder.inner, 1))
case("task_renamed_function", Task(renamed, 1))
case("task_duplicate_1", ident(12345))
case("task_duplicate_2", ident(12345))
case("task_chain", ident(ident(ident(base))))
