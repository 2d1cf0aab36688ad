"""Network diagram for the LaTeX document: TikZ coordinates computed here.

Input: layer sizes.  Output: a ``Diagram`` of nodes (neurons or dots) and
edges with optional weight labels, all positions in centimetres, ready for
``templates/derivation.tex.j2`` to draw with plain ``\\node`` and ``\\draw``.

Layers with more than ``MAX_SHOWN`` neurons show the first ``HEAD`` and the
last, with a dots node between.  Every weight is labelled ``w^l_{jk}`` when both
layers it joins have at most ``MAX_SHOWN`` neurons; otherwise only the edges
into the first neuron carry labels.  Labels sit at different fractions of
their edges (by k), so that labels of edges meeting at a neuron never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

from .latex import index_text

MAX_SHOWN = 6  # neurons drawn per layer before eliding
HEAD = 3  # neurons drawn before the dots in an elided layer
WIDTH = 15.0  # cm available for the drawing
X_STEP = 6.5  # cm between layers at most
Y_STEP = 1.5  # cm between neurons
LABEL_FROM, LABEL_TO = 0.2, 0.8  # label positions spread along the edges


@dataclass(frozen=True)
class Node:
    id: str
    x: str
    y: str
    label: str  # math, e.g. a^{1}_{2}; empty for the dots node
    dots: bool = False


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str  # math or empty
    pos: str  # fraction of the edge where the label sits


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    layer_labels: tuple[Node, ...]
    elided: bool


def shown(n: int) -> list[int | None]:
    """Neuron indices drawn for a layer of n neurons; None is the dots."""
    if n <= MAX_SHOWN:
        return list(range(1, n + 1))
    return list(range(1, HEAD + 1)) + [None, n]


def _y(i: int, count: int) -> float:
    return (count - 1) / 2 * Y_STEP - i * Y_STEP


def _num(v: float) -> str:
    return f"{v:.2f}"


def diagram(layers: tuple[int, ...]) -> Diagram:
    """Nodes and edges of the network drawn left (input) to right (output)."""
    nodes, labels, edges = [], [], []
    step = min(X_STEP, WIDTH / max(len(layers) - 1, 1))
    top = _y(-1, max(len(shown(n)) for n in layers))  # layer labels in one row above
    for l, n in enumerate(layers):
        column = shown(n)
        x = l * step
        for i, j in enumerate(column):
            y = _y(i, len(column))
            if j is None:
                nodes.append(Node(f"d{l}", _num(x), _num(y), "", dots=True))
            else:
                nodes.append(Node(f"n{l}_{j}", _num(x), _num(y), f"a^{{{l}}}_{{{j}}}"))
        labels.append(Node(f"t{l}", _num(x), _num(top), f"l = {l}"))
        if l:
            edges += _edges(l, shown(layers[l - 1]), column)
    elided = any(n > MAX_SHOWN for n in layers)
    return Diagram(tuple(nodes), tuple(edges), tuple(labels), elided)


def _edges(l: int, left: list, right: list) -> list[Edge]:
    all_labels = None not in left and None not in right
    real_k = [k for k in left if k is not None]
    out = []
    for j in right:
        if j is None:
            continue
        for i, k in enumerate(real_k):
            labelled = all_labels or j == 1
            pos = LABEL_FROM + (LABEL_TO - LABEL_FROM) * (i / max(len(real_k) - 1, 1))
            label = f"w^{{{l}}}_{{{index_text(j, k)}}}" if labelled else ""
            out.append(Edge(f"n{l - 1}_{k}", f"n{l}_{j}", label, _num(1 - pos)))
    return out
