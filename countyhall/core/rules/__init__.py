"""The rules interface: every computation the platform offers, with its input schema and citations.

A program registers its rules in its app's `rules.py` with the `@rule` decorator; the CLI
(`countyhall calc RULE`) and the API (`/api/v1/calc/RULE`) find them here.
"""

from .registry import RULES, RuleInputError, RuleResult, calc, rule, rule_catalogue

__all__ = ["RULES", "RuleInputError", "RuleResult", "calc", "rule", "rule_catalogue"]
