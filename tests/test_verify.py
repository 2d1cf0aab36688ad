"""Verification passes on real derivations and catches deliberately wrong ones."""

import dataclasses
import json

import numpy as np
import pytest
import sympy as sp
from conftest import derived

import derive
from derive import nested, rules
from derive import symbols as s
from derive.chain import Partial
from derive.collapse import Gradient, collapse
from derive.export import to_json
from derive.nested import check_nested
from derive.verify import check_collapse, check_matrix_equations, verify


def test_every_check_passes(shape):
    v = derived(shape).verification
    assert v.passed
    names = [c.name for c in v.checks]
    assert names == ["rules", "collapse (a)", "matrix forms", "nested diff (b)"]
    P = derive.make_spec(list(shape)).n_parameters
    nested = v.checks[-1]
    assert nested.checked == nested.total == P  # every parameter up to 250
    if P <= 30:
        assert nested.method.startswith("symbolic, exact")


def test_large_networks_say_they_sample():
    d = collapse(derive.chain(derive.graph(derive.make_spec([40, 8, 3]))))
    c = check_nested(d, seed=1)
    assert c.passed and c.checked < c.total
    assert "sample of 16 of 355" in c.method


def _broken_sigmoid(scale):
    row = rules.ACTIVATIONS["sigmoid"]
    return dataclasses.replace(
        row,
        prime_of_z=lambda x: scale * rules.sigmoid(x) * (1 - rules.sigmoid(x)),
        prime_of_a=lambda a: scale * a * (1 - a),
    )


@pytest.mark.parametrize("layers", [[4, 3, 2], [3, 5, 4, 2], [40, 8, 3]])
def test_sigma_prime_scaled_by_1_001_is_caught(monkeypatch, layers):
    monkeypatch.setitem(rules.ACTIVATIONS, "sigmoid", _broken_sigmoid(1.001))
    with pytest.raises(derive.VerificationError) as err:
        derive.derive(layers)
    assert "rules: FAILED" in str(err.value)
    assert "nested diff (b): FAILED" in str(err.value)


def _engine(name: str, monkeypatch) -> None:
    """Make check (b)'s numeric mode differentiate with ``name`` (skip if it is not installed)."""
    if name == "symengine":
        pytest.importorskip("symengine")
    monkeypatch.setattr(nested, "differentiator", lambda: name)


@pytest.mark.parametrize("engine", sorted(nested.DIFFERENTIATORS))
def test_nested_check_alone_catches_a_scaled_factor(engine, monkeypatch):
    _engine(engine, monkeypatch)
    d = derived((4, 3, 2))
    p = s.w(1, 2, 3)
    pc = d.chain.parameters[p]
    dz, da, dC = pc.factors
    wrong = dataclasses.replace(pc, factors=(dz, da, Partial(dC.of, dC.wrt, dC.value * sp.Float(1.001))))
    chain = dataclasses.replace(d.chain, parameters={**d.chain.parameters, p: wrong})
    for mode in ("exact", "numeric"):
        c = check_nested(dataclasses.replace(d, chain=chain), seed=0, mode=mode)
        assert [f.split(":")[0] for f in c.failures] == ["w_1_2_3"]


@pytest.mark.parametrize("engine", sorted(nested.DIFFERENTIATORS))
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_numeric_check_with_each_differentiator(engine, activation, monkeypatch):
    """Both engines' derivatives of the nested cost agree with the chain rule to 40 digits."""
    _engine(engine, monkeypatch)
    d = collapse(derive.chain(derive.graph(derive.make_spec([3, 5, 4, 2], activation))))
    c = check_nested(d, seed=2)
    assert c.passed and c.checked == c.total == 54
    assert c.method.startswith(f"numeric, {engine}.diff, 3 seeded random points")
    assert c.max_relative_error < 1e-35


def test_collapse_check_catches_a_scaled_gradient_and_swapped_indices():
    d = derived((4, 3, 2))
    p, q = s.w(2, 1, 2), s.w(2, 1, 3)
    scaled = {**d.gradients, p: Gradient(p, d.gradients[p].chain, d.gradients[p].value * sp.Rational(1001, 1000))}
    c = check_collapse(dataclasses.replace(d, gradients=scaled), lambda n: None)
    assert not c.passed and any("w_2_1_2" in f for f in c.failures)
    swapped = {**d.gradients, p: Gradient(p, d.gradients[p].chain, d.gradients[q].value)}
    c = check_collapse(dataclasses.replace(d, gradients=swapped), lambda n: None)
    assert not c.passed


def test_matrix_check_catches_a_wrong_equation():
    d = derived((4, 3, 2))
    bad = [
        dataclasses.replace(e, rhs=e.rhs.T.T if e.tag != "BP4" else 2 * e.rhs) for e in d.equations
    ]
    c = check_matrix_equations(dataclasses.replace(d, equations=tuple(bad)), seed=0)
    assert not c.passed and all(f.startswith("BP4") for f in c.failures)


def _json_gradients(layers, x, y, params):
    """Evaluate derivation.json's definitions and gradients in float64, as an outside tool would."""
    data = json.loads(to_json(derived(tuple(layers))))
    values = {f"a_0_{k + 1}": x[k] for k in range(layers[0])}
    values |= {f"y_{j + 1}": y[j] for j in range(layers[-1])}
    for l in range(1, len(layers)):
        W, b = params[f"W{l}"], params[f"b{l}"]
        for j in range(layers[l]):
            values[f"b_{l}_{j + 1}"] = b[j]
            for k in range(layers[l - 1]):
                values[f"w_{l}_{j + 1}_{k + 1}"] = W[j, k]
    definitions = data["definitions"]
    order = [n for n in definitions if n.startswith(("z_", "a_"))]
    order += sorted((n for n in definitions if n.startswith("delta_")), key=lambda n: -int(n.split("_")[1]))
    for name in order:
        values[name] = float(sp.sympify(definitions[name]).evalf(subs=values))
    return {p: float(sp.sympify(e).evalf(subs=values)) for p, e in data["gradients"].items()}


@pytest.mark.parametrize("layers", [[4, 3, 2], [2, 2, 2, 2], [1, 1], [3, 5, 4, 2]])
def test_exported_gradients_match_central_differences(layers):
    rng = np.random.default_rng(7)
    params = {}
    for l in range(1, len(layers)):
        params[f"W{l}"] = rng.normal(size=(layers[l], layers[l - 1]))
        params[f"b{l}"] = rng.normal(size=layers[l])
    x, y = rng.normal(size=layers[0]), rng.uniform(size=layers[-1])

    def cost(p):
        a = x
        for l in range(1, len(layers)):
            a = 1 / (1 + np.exp(-(p[f"W{l}"] @ a + p[f"b{l}"])))
        return np.sum((a - y) ** 2)

    grads = _json_gradients(layers, x, y, params)
    h = 1e-6
    for l in range(1, len(layers)):
        for name in (f"W{l}", f"b{l}"):
            for index in np.ndindex(params[name].shape):
                plus = {k: v.copy() for k, v in params.items()}
                minus = {k: v.copy() for k, v in params.items()}
                plus[name][index] += h
                minus[name][index] -= h
                fd = (cost(plus) - cost(minus)) / (2 * h)
                key = f"w_{l}_{index[0] + 1}_{index[1] + 1}" if name[0] == "W" else f"b_{l}_{index[0] + 1}"
                assert grads[key] == pytest.approx(fd, rel=1e-6, abs=1e-9), key


def test_verify_reports_progress():
    d = collapse(derive.chain(derive.graph(derive.make_spec([2, 2, 1]))))
    ticks = []
    v = verify(d, progress=ticks.append)
    assert v.passed and sum(ticks) > 0
