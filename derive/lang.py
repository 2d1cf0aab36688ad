"""Prose of the derivation documents, one table row per language.

Input: a language code (``en`` or ``es``) and a key.  Output: the text, with
``{placeholders}`` filled by ``str.format``.  Strings hold prose only: plain
text without LaTeX or Markdown specials, inline math as ``$…$`` written with
commands that both pdflatex and KaTeX know.  Spanish follows the source's
headings ("Capa L", "Pesos en general", "Sesgo en general", …).
"""

from __future__ import annotations

LANGUAGES = ("en", "es")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Backpropagation, step by step: network {slug}",
        "subtitle": "Derived and verified symbolically by derive {version}",
        "intro": (
            "This document derives the gradient of the cost with respect to every weight and "
            "bias of a fully connected network with layer sizes {sizes} ({params} parameters), "
            "{activation} activation and quadratic cost, with the chain rule, from the output "
            "layer back to the first. Every equation was produced and verified by the engine "
            "(see the appendix)."
        ),
        "notation": "Notation",
        "notation_text": (
            "Layer 0 is the input and layer L = {L} the output. $w^{{l}}_{{jk}}$ joins neuron k of "
            "layer l-1 to neuron j of layer l, so $W^{{l}}$ has one row per neuron of layer l. "
            "$\\delta^{{l}}_{{j}}$ is the derivative of the cost with respect to $z^{{l}}_{{j}}$. "
            "Bold letters are column vectors, $\\odot$ is the entrywise product."
        ),
        "diagram": "The network",
        "forward": "Forward pass",
        "forward_text": "Each neuron sums its weighted inputs plus its bias, then applies the activation:",
        "forward_elided": "Shown: neurons {shown} of each layer with more than {limit} neurons; the others have the same form.",
        "cost_text": "The cost of one sample with target $\\boldsymbol{{y}}$:",
        "layer": "Layer {name} (layer {l})",
        "one_weight": "Chain rule for one weight",
        "one_weight_text": "The weight affects the cost through $z$ and then $a$ of its neuron:",
        "factor_cost": "First factor, the derivative of the cost with respect to the activation:",
        "factor_sum": (
            "The activation of this neuron affects every neuron of layer {next}, so the cost "
            "depends on it through each of them and the contributions are summed:"
        ),
        "factor_known": (
            "What is blue was already computed at layer {next}; only the indices change, the "
            "formula is the same:"
        ),
        "factor_new": "What is new is this:",
        "factor_sum_value": "Substituting:",
        "factor_activation": "Second factor, the derivative of the activation:",
        "factor_weight": "Third factor, the derivative of the weighted sum with respect to the weight:",
        "product": "Multiplying the three factors:",
        "weights": "Weights in general {name}",
        "weights_text": "The same chain for every weight of the layer; the last two factors define $\\delta$:",
        "weights_elided": (
            "Shown: {shown} of the {total} weights of this layer (rows {rows}); the other "
            "{rest} weights are omitted and follow the general entry:"
        ),
        "deltas_elided": "Shown: {shown} of the {total} values of $\\delta$ in this layer; the others follow the same formula.",
        "matrix_text": "Collecting the gradients of the layer in a matrix, entry by entry and as an outer product:",
        "matrix_elided": "Matrices with more than {limit} rows or columns show the first three and the last, with dots for the rest.",
        "biases": "Bias in general {name}",
        "biases_text": "For a bias, the first factor is 1, so the gradient is $\\delta$ itself:",
        "reverse": "Reverse engineering of the weight matrix {name}",
        "reverse_text": "Writing the outer product again with each $\\delta$ expanded:",
        "reverse_transpose": (
            "The weights that multiply $\\boldsymbol{{\\delta}}^{{{next}}}$ are the columns of "
            "$W^{{{next}}}$, that is the rows of its transpose, a {rows} by {cols} matrix:"
        ),
        "reverse_result": "So the gradient of the weight matrix of layer {l} is",
        "reverse_output": "At the output layer the cost gradient takes the place of the weighted sum:",
        "summary": "Summary: the four equations of backpropagation",
        "summary_text": "For this network, in matrix form, from the output layer back:",
        "algorithm": "Algorithm",
        "algorithm_steps": (
            "Forward pass: compute and keep $z^{{l}}$ and $a^{{l}}$ for l = 1 to L.|"
            "Output error: $\\boldsymbol{{\\delta}}^{{L}}$ by BP1.|"
            "Backward pass: $\\boldsymbol{{\\delta}}^{{l}}$ by BP2 for l = L-1 down to 1.|"
            "Gradients: by BP3 and BP4 for every layer.|"
            "Update: subtract the learning rate times each gradient from its parameter."
        ),
        "appendix": "Appendix: verification",
        "appendix_text": (
            "The engine verified this derivation before it was written. Checks, as reported "
            "by the engine:"
        ),
        "check": "Check",
        "result": "Result",
        "checked": "Checked",
        "method": "Method",
        "method_max_rel": "{method}; max. rel. error {error}",
        "passed": "passed",
        "failed": "FAILED",
        "numeric": "Numeric verification of the generated module",
        "numeric_text": (
            "The generated NumPy module {module} ({style} style) was also checked numerically: "
            "its gradients on seeded random parameters and a seeded random batch of {batch} "
            "samples (seed {seed}, float64) were compared with independent references. "
            "Result: {result}."
        ),
        "numeric_definition": (
            "The relative error of an entry is $|g - r| / \\max(|r|, s)$, where g is the "
            "module's gradient, r the reference and s = {scale} is {fraction} times the largest "
            "$|\\partial C / \\partial p|$ of the symbolic reference, so that entries far below "
            "the scale of the gradient are compared absolutely. A reference passes when the "
            "largest relative error of every tensor is at most its tolerance."
        ),
        "numeric_references": "The references, their tolerances and how each was computed, as reported by the checker:",
        "numeric_errors": "The largest absolute and relative error of each parameter tensor against each reference that ran:",
        "reference": "Reference",
        "tolerance": "Tolerance",
        "tensor": "Tensor",
        "shape": "Shape",
        "entries": "Entries checked",
        "max_abs": "Max. abs. error",
        "max_rel": "Max. rel. error",
        "not_run": "not run",
        "ref_symbolic": "symbolic",
        "ref_finite_differences": "finite differences",
        "ref_autograd": "autograd",
        "diagram_elided": "Layers with more than {limit} neurons show the first {head} and the last; the dots stand for the others.",
        "md_no_diagram": "The network diagram is in the PDF and LaTeX versions of this document.",
    },
    "es": {
        "title": "Retropropagación paso a paso: red {slug}",
        "subtitle": "Derivado y verificado simbólicamente por derive {version}",
        "intro": (
            "Este documento deriva el gradiente del costo respecto de cada peso y cada sesgo "
            "de una red totalmente conectada con capas de tamaño {sizes} ({params} parámetros), "
            "activación {activation} y costo cuadrático, con la regla de la cadena, desde la "
            "capa de salida hasta la primera. Cada ecuación fue producida y verificada por el "
            "motor (ver el apéndice)."
        ),
        "notation": "Notación",
        "notation_text": (
            "La capa 0 es la entrada y la capa L = {L} la salida. $w^{{l}}_{{jk}}$ une la neurona k "
            "de la capa l-1 con la neurona j de la capa l, así que $W^{{l}}$ tiene una fila por "
            "neurona de la capa l. $\\delta^{{l}}_{{j}}$ es la derivada del costo respecto de "
            "$z^{{l}}_{{j}}$. Las letras en negrita son vectores columna, $\\odot$ es el producto "
            "elemento a elemento."
        ),
        "diagram": "La red",
        "forward": "Propagación hacia adelante",
        "forward_text": "Cada neurona suma sus entradas ponderadas más su sesgo y aplica la activación:",
        "forward_elided": "Se muestran las neuronas {shown} de cada capa con más de {limit} neuronas; las demás tienen la misma forma.",
        "cost_text": "El costo de una muestra con objetivo $\\boldsymbol{{y}}$:",
        "layer": "Capa {name} (capa {l})",
        "one_weight": "Regla de la cadena para un peso",
        "one_weight_text": "El peso afecta al costo a través de $z$ y luego de $a$ de su neurona:",
        "factor_cost": "Primer factor, la derivada del costo respecto de la activación:",
        "factor_sum": (
            "Debido a que la activación de la neurona afecta a todas las neuronas de la capa "
            "{next}, se debe sumar la contribución de cada una:"
        ),
        "factor_known": (
            "Lo de color azul ya se calculó antes, en la capa {next}; solo cambian los "
            "parámetros, pero la fórmula es la misma:"
        ),
        "factor_new": "Lo nuevo es esto:",
        "factor_sum_value": "Sustituyendo:",
        "factor_activation": "Segundo factor, la derivada de la activación:",
        "factor_weight": "Tercer factor, la derivada de la suma ponderada respecto del peso:",
        "product": "Multiplicando los tres factores:",
        "weights": "Pesos en general {name}",
        "weights_text": "La misma cadena para cada peso de la capa; los dos últimos factores definen $\\delta$:",
        "weights_elided": (
            "Se muestran {shown} de los {total} pesos de esta capa (filas {rows}); los otros "
            "{rest} pesos se omiten y siguen la entrada general:"
        ),
        "deltas_elided": "Se muestran {shown} de los {total} valores de $\\delta$ de esta capa; los demás siguen la misma fórmula.",
        "matrix_text": "Reuniendo los gradientes de la capa en una matriz, entrada por entrada y como producto exterior:",
        "matrix_elided": "Las matrices con más de {limit} filas o columnas muestran las tres primeras y la última, con puntos para las demás.",
        "biases": "Sesgo en general {name}",
        "biases_text": "Para un sesgo el primer factor es 1, así que el gradiente es el mismo $\\delta$:",
        "reverse": "Ingeniería inversa de la matriz de pesos {name}",
        "reverse_text": "Escribiendo de nuevo el producto exterior con cada $\\delta$ desarrollado:",
        "reverse_transpose": (
            "Los pesos que multiplican a $\\boldsymbol{{\\delta}}^{{{next}}}$ son las columnas de "
            "$W^{{{next}}}$, es decir las filas de su transpuesta, una matriz de {rows} por {cols}:"
        ),
        "reverse_result": "Así, el gradiente de la matriz de pesos de la capa {l} es",
        "reverse_output": "En la capa de salida el gradiente del costo ocupa el lugar de la suma ponderada:",
        "summary": "Resumen: las cuatro ecuaciones de la retropropagación",
        "summary_text": "Para esta red, en forma matricial, desde la capa de salida hacia atrás:",
        "algorithm": "Algoritmo",
        "algorithm_steps": (
            "Propagación hacia adelante: calcular y guardar $z^{{l}}$ y $a^{{l}}$ para l = 1 hasta L.|"
            "Error de salida: $\\boldsymbol{{\\delta}}^{{L}}$ con BP1.|"
            "Propagación hacia atrás: $\\boldsymbol{{\\delta}}^{{l}}$ con BP2 para l = L-1 hasta 1.|"
            "Gradientes: con BP3 y BP4 en cada capa.|"
            "Actualización: restar a cada parámetro la tasa de aprendizaje por su gradiente."
        ),
        "appendix": "Apéndice: verificación",
        "appendix_text": (
            "El motor verificó esta derivación antes de escribirla. Comprobaciones, tal como "
            "las informa el motor:"
        ),
        "check": "Comprobación",
        "result": "Resultado",
        "checked": "Comprobados",
        "method": "Método",
        "method_max_rel": "{method}; error rel. máx. {error}",
        "passed": "correcta",
        "failed": "FALLIDA",
        "numeric": "Verificación numérica del módulo generado",
        "numeric_text": (
            "El módulo NumPy generado {module} (estilo {style}) también se verificó "
            "numéricamente: sus gradientes, con parámetros aleatorios y un lote aleatorio de "
            "{batch} muestras (semilla {seed}, float64), se compararon con referencias "
            "independientes. Resultado: {result}."
        ),
        "numeric_definition": (
            "El error relativo de una entrada es $|g - r| / \\max(|r|, s)$, donde g es el "
            "gradiente del módulo, r el de la referencia y s = {scale} es {fraction} veces el "
            "mayor $|\\partial C / \\partial p|$ de la referencia simbólica, de modo que las "
            "entradas muy por debajo de la escala del gradiente se comparan en valor absoluto. "
            "Una referencia es correcta cuando el mayor error relativo de cada tensor no supera "
            "su tolerancia."
        ),
        "numeric_references": "Las referencias, sus tolerancias y cómo se calculó cada una, tal como las informa el verificador:",
        "numeric_errors": "El mayor error absoluto y relativo de cada tensor de parámetros frente a cada referencia ejecutada:",
        "reference": "Referencia",
        "tolerance": "Tolerancia",
        "tensor": "Tensor",
        "shape": "Forma",
        "entries": "Entradas comprobadas",
        "max_abs": "Error abs. máx.",
        "max_rel": "Error rel. máx.",
        "not_run": "no ejecutada",
        "ref_symbolic": "simbólica",
        "ref_finite_differences": "diferencias finitas",
        "ref_autograd": "autograd",
        "diagram_elided": "Las capas con más de {limit} neuronas muestran las {head} primeras y la última; los puntos representan las demás.",
        "md_no_diagram": "El diagrama de la red está en las versiones PDF y LaTeX de este documento.",
    },
}


def text(lang: str, key: str, **values) -> str:
    """The prose ``key`` in ``lang`` with ``values`` filled in."""
    return STRINGS[lang][key].format(**values)


def layer_name(l: int, L: int) -> str:
    """The source's relative layer name: L, L-1, L-2, …"""
    return "L" if l == L else f"L-{L - l}"
