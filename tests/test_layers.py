"""The import contracts (`make lint` runs them) cover every app of the project.

`lint-imports` only checks the packages its configuration names: an app added to
INSTALLED_APPS but not to pyproject.toml's `[tool.importlinter]` would import upwards unseen.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

PYPROJECT = Path(settings.BASE_DIR) / "pyproject.toml"
SITE_PACKAGE = "collections_site"


def import_linter_configuration() -> dict:
    with PYPROJECT.open("rb") as pyproject:
        return tomllib.load(pyproject)["tool"]["importlinter"]


def contract(contract_id: str) -> dict:
    contracts = import_linter_configuration()["contracts"]
    return next(each for each in contracts if each.get("id") == contract_id)


def project_packages() -> set[str]:
    """The project's own apps (packages at the top of this checkout) and the site package."""
    base_dir = Path(settings.BASE_DIR).resolve()
    own_apps = {
        app_config.name
        for app_config in apps.get_app_configs()
        if Path(app_config.path).resolve().parent == base_dir
    }
    return own_apps | {SITE_PACKAGE}


def modules_in_layers(layers: list[str]) -> list[str]:
    return [module.strip() for layer in layers for module in layer.split("|")]


def test_every_app_of_the_project_is_a_root_package_of_the_import_contracts():
    assert set(import_linter_configuration()["root_packages"]) == project_packages()


def test_every_app_of_the_project_has_its_place_in_the_layers():
    layered = modules_in_layers(contract("layers")["layers"])
    assert len(layered) == len(set(layered))
    assert set(layered) == project_packages()


def test_the_site_package_is_the_top_layer_and_common_the_bottom_one():
    layers = contract("layers")["layers"]
    assert (layers[0], layers[-1]) == (SITE_PACKAGE, "common")


def test_common_is_forbidden_every_other_package_of_the_project():
    common_stands_alone = contract("common-stands-alone")
    assert common_stands_alone["source_modules"] == ["common"]
    assert set(common_stands_alone["forbidden_modules"]) == project_packages() - {"common"}
