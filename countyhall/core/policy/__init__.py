"""Policy parameters and citations: dated data with their legal reference, never constants in code."""

from . import governed
from .citations import ADOPTED, ALTERNATIVE, ANSWER_LABELS, ANSWERS, Citation, Reading
from .parameters import (
    NoPolicyInForce,
    Parameter,
    ParameterError,
    ParameterRegistry,
    ParameterValue,
    load_parameter_dir,
    parameters,
    parameters_override,
)

__all__ = [
    "ADOPTED",
    "ALTERNATIVE",
    "ANSWERS",
    "ANSWER_LABELS",
    "governed",
    "Citation",
    "NoPolicyInForce",
    "Parameter",
    "ParameterError",
    "ParameterRegistry",
    "ParameterValue",
    "Reading",
    "load_parameter_dir",
    "parameters",
    "parameters_override",
]
