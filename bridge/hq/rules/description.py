"""The Description of an imported appointment, composed from the definition's template."""

from dataclasses import dataclass

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
        lines = []
        for line in template.splitlines():
            filled = line.format_map(values)
            if "{" in line and not _has_value(line, values):
                continue
            lines.append(filled)
        return "\n".join(lines).strip()


def _has_value(line: str, values: dict[str, str]) -> bool:
    return any(values[name] for name in values if "{" + name + "}" in line)
