"""Machine-readable export: a ``Derivation`` as ``derivation.json`` text.

Input: a verified ``Derivation``.  Output: a JSON string (deterministic: keys
in layer and neuron order, no timestamps).  Format, documented in the README:

    layers, activation, cost, parameters   the network
    definitions   z_l_j, a_l_j, delta_l_j (and C) → defining expression
    gradients     w_l_j_k, b_l_j → collapsed gradient (a_{l-1}_k*delta_l_j, delta_l_j)
    chain         per parameter: the three chain-rule factors; dC_da_l_j sums
    verification  the checks run and their outcome
"""

from __future__ import annotations

import json

from . import symbols as s
from .collapse import Derivation
from .printing import plain


def to_dict(d: Derivation) -> dict:
    """Plain data, every expression a string that ``sympy.sympify`` parses."""
    g = d.graph
    act = g.activation
    prime_of_a = {  # σ'(z^l_j) written in terms of a^l_j, as in the definitions
        da.value: act.prime_of_a(s.a(l, j)) for (l, j), da in d.chain.activation_partials.items()
    }
    definitions = {}
    for l in range(1, g.spec.L + 1):
        for j in g.neurons(l):
            definitions[s.z(l, j).name] = plain(g.z[(l, j)])
            definitions[s.a(l, j).name] = plain(act.explicit(s.z(l, j)))
    for (l, j) in sorted(d.deltas):
        definitions[s.delta(l, j).name] = plain(d.deltas[(l, j)].definition)
    definitions["C"] = plain(g.cost)
    chain = {
        p.name: {
            "dz_dp": plain(pc.factors[0].value),
            "da_dz": plain(pc.factors[1].value.xreplace(prime_of_a)),
            "dC_da": plain(pc.factors[2].value),
        }
        for p, pc in d.chain.parameters.items()
    }
    dC_da = {
        grad.symbol.name: plain(grad.value.xreplace(prime_of_a))
        for (l, j), grad in sorted(d.chain.activation_gradients.items())
    }
    out = {
        "layers": list(g.spec.layers),
        "activation": act.name,
        "cost": g.cost_rule.name,
        "parameters": g.spec.n_parameters,
        "definitions": definitions,
        "gradients": {p.name: plain(grad.value) for p, grad in d.gradients.items()},
        "chain": {"parameters": chain, "dC_da": dC_da},
    }
    if d.verification is not None:
        out["verification"] = {
            "passed": d.verification.passed,
            "checks": [
                {
                    "name": c.name,
                    "method": c.method,
                    "checked": c.checked,
                    "total": c.total,
                    "passed": c.passed,
                    "max_relative_error": c.max_relative_error,
                }
                for c in d.verification.checks
            ],
        }
    return out


def to_json(d: Derivation) -> str:
    """``derivation.json`` text, ending in a newline."""
    return json.dumps(to_dict(d), indent=1, ensure_ascii=False) + "\n"
