"""The "Are you sure?" step before an action that is hard to undo or that tells other people
(approve, deactivate, cancel a place): a page in words, then the same form again with confirm=1, so
it works without JavaScript."""

from __future__ import annotations

from typing import Any

from api.pages.security import Viewer


def confirmation(
    viewer: Viewer,
    title: str,
    consequences: list[str],
    action: str,
    button: str,
    back: str,
    hidden: list[tuple[str, str]] | None = None,
    nav: str = "coord_nav.html",
    danger: bool = False,
) -> dict[str, Any]:
    """The context of the "Are you sure?" step (confirm.html): it posts the same form again with
    confirm=1, so it works without JavaScript."""
    return {
        "v": viewer,
        "c": {
            "title": title,
            "consequences": consequences,
            "action": action,
            "button": button,
            "back": back,
            "hidden": hidden or [],
            "nav": nav,
            "danger": danger,
        },
    }
