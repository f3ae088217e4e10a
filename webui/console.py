"""The browser console (filled in by the console issue)."""
from flask import Blueprint, redirect, url_for

bp = Blueprint("console", __name__)


@bp.get("/")
def home():
    return redirect(url_for("api.plans"))
