"""Policy parameters and citations: dated data with their legal reference, never constants in code."""

from .citations import Citation, Reading
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
