"""Errors a service raises for bad input: they name the field and the rule, in Chinese for the user."""

from __future__ import annotations


class ServiceError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def as_dict(self) -> dict:
        return {"error": {"field": self.field, "message": self.message}}
