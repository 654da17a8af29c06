"""The survey's sub-navigation. Each area registers its entry in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from khaosat.web.core.scope import has_perm


@dataclass(frozen=True)
class NavItem:
    url_name: str  # takes the survey code as its only argument
    label: str  # lazy translation
    perm: str
    order: int = 50


REGISTRY: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in REGISTRY:
        REGISTRY.append(item)


def items_for(user, survey) -> list[dict]:
    return [
        {"url": reverse(i.url_name, args=[survey.code]), "label": i.label, "name": i.url_name}
        for i in sorted(REGISTRY, key=lambda i: i.order)
        if has_perm(user, i.perm)
    ]
