"""The Description of an imported appointment, composed from the definition's template."""

import functools
from dataclasses import dataclass, fields

DEFAULT_TEMPLATE = (
    "Customer: {customer}\n"
    "Customer address: {customer_address}\n"
    "Mobile status: {mobile_status}\n"
    "Mobile description: {mobile_description}\n"
    "{status_note}"
)


@dataclass(frozen=True)
class DescriptionParts:
    customer: str
    customer_address: str
    mobile_status: str
    mobile_description: str
    status_note: str

    def render(self, template: str) -> str:
        """Fill the template; lines whose placeholders are all empty are left out."""
        values = {
            "customer": self.customer,
            "customer_address": self.customer_address,
            "mobile_status": self.mobile_status,
            "mobile_description": self.mobile_description,
            "status_note": self.status_note,
        }
        return "\n".join(
            line.format_map(values) for line, names in _lines(template)
            if names is None or any(values[name] for name in names)
        ).strip()


@functools.cache
def _lines(template: str) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    """The template's lines, each with the placeholders in it (None: a line without any
    brace, always kept)."""
    names = [field.name for field in fields(DescriptionParts)]
    return tuple((line, tuple(name for name in names if "{" + name + "}" in line)
                  if "{" in line else None) for line in template.splitlines())
