"""derivation.json: the contract other tools build on."""

import json
import re

import sympy as sp
from conftest import derived

from derive.export import to_json

NAME = re.compile(r"^(w_\d+_\d+_\d+|b_\d+_\d+|z_\d+_\d+|a_\d+_\d+|y_\d+|delta_\d+_\d+|dC_da_\d+_\d+|C)$")


def test_keys_names_and_examples():
    data = json.loads(to_json(derived((4, 3, 2))))
    assert list(data)[:6] == ["layers", "activation", "cost", "parameters", "definitions", "gradients"]
    assert (data["activation"], data["cost"], data["parameters"]) == ("sigmoid", "quadratic", 23)
    d = data["definitions"]
    assert sp.sympify(d["a_1_2"]) == sp.sympify("1/(1 + exp(-z_1_2))")
    expected = sp.sympify("a_1_2*(1 - a_1_2)*(w_2_1_2*delta_2_1 + w_2_2_2*delta_2_2)")
    assert sp.expand(sp.sympify(d["delta_1_2"]) - expected) == 0
    assert sp.sympify(data["gradients"]["w_2_1_3"]) == sp.sympify("a_1_3*delta_2_1")
    assert sp.sympify(data["gradients"]["b_1_3"]) == sp.Symbol("delta_1_3")
    assert len(data["gradients"]) == 23
    assert data["verification"]["passed"] is True


def test_every_expression_parses_and_uses_only_contract_names(shape):
    data = json.loads(to_json(derived(shape)))
    sections = [data["definitions"], data["gradients"], data["chain"]["dC_da"]]
    sections += list(data["chain"]["parameters"].values())
    for section in sections:
        for name, text in section.items():
            expr = sp.sympify(text)
            for symbol in expr.free_symbols:
                assert NAME.match(symbol.name), (name, symbol)


def test_one_based_indices_cover_every_parameter():
    data = json.loads(to_json(derived((2, 2, 2, 2))))
    expected = {f"w_{l}_{j}_{k}" for l in (1, 2, 3) for j in (1, 2) for k in (1, 2)}
    expected |= {f"b_{l}_{j}" for l in (1, 2, 3) for j in (1, 2)}
    assert set(data["gradients"]) == expected
