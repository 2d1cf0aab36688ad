"""Property-based: random small architectures derive, verify and export consistently."""

import json

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import derive
from derive.export import to_json

layers = st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=4)


@settings(max_examples=15, deadline=None)
@given(layers)
def test_random_architectures_verify(sizes):
    d = derive.derive(sizes, nested="numeric" if sum(sizes) > 6 else "exact")
    assert d.verification.passed
    spec = d.spec
    assert len(d.gradients) == spec.n_parameters
    assert len(d.deltas) == sum(sizes[1:])


@settings(max_examples=15, deadline=None)
@given(layers)
def test_json_gradients_are_a_times_delta(sizes):
    data = json.loads(to_json(derive.derive(sizes, nested="off")))
    for name, text in data["gradients"].items():
        parts = name.split("_")
        l, j = int(parts[1]), int(parts[2])
        expected = sp.Symbol(f"delta_{l}_{j}")
        if parts[0] == "w":
            expected *= sp.Symbol(f"a_{l - 1}_{parts[3]}")
        assert sp.sympify(text) == expected
