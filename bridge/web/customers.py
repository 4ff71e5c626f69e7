"""The look-up of a customer by number or name for the activity form's customer field: a
search page that works without JavaScript, and the same matches as JSON for the field's
suggestions (``static/customer-lookup.js`` fills its datalist)."""

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bridge.models import Customer
from bridge.web.database import reading

blueprint = Blueprint("customers", __name__)
FOUND_AT_MOST = 20
SHORTEST = 2
"""Characters typed before a search runs."""


def matching(db: Session, text: str) -> list[Customer]:
    """Active customers whose number or name holds ``text`` (any case), numbers first in
    order; at most ``FOUND_AT_MOST``."""
    text = text.strip()
    if len(text) < SHORTEST:
        return []
    like = "%" + text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return list(db.scalars(
        select(Customer)
        .where(Customer.active,
               or_(Customer.number.ilike(like, escape="/"), Customer.name.ilike(like, escape="/")))
        .order_by(Customer.number).limit(FOUND_AT_MOST)))


@blueprint.route("/customers")
def search() -> Any:
    text = request.args.get("q", "")
    with reading() as db:
        found = [(each.number, each.name, each.city) for each in matching(db, text)]
    return render_template("customers.html", text=text, found=found, shortest=SHORTEST,
                           at_most=FOUND_AT_MOST)


@blueprint.route("/customers.json")
def lookup() -> Any:
    with reading() as db:
        return jsonify([{"number": each.number, "name": each.name, "city": each.city}
                        for each in matching(db, request.args.get("q", ""))])
