"""Referrals (Weiterempfehlungen), the network-partner catalogue and other providers approaching an employer."""

from flask import Blueprint

# No url_prefix: pages live under /referrals, /employers/<id>/… and /insights/referrals.
bp = Blueprint("referrals", __name__)
