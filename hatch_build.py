"""Hatch build hook: put the publication folders into the wheel under cstrdf/_publication/.

This is hatchling's ``force-include`` filled in at build time, so that a folder that does not
exist yet in a fresh clone (git keeps no empty folders) does not break the build.
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PUBLICATION_FOLDERS = ("ontology", "data", "shapes", "queries")


class PublicationHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads the checkout itself (cstrdf.resources)
        root = Path(self.root)
        for folder in PUBLICATION_FOLDERS:
            source = root / folder
            if source.is_dir() and any(p.is_file() for p in source.rglob("*")):
                build_data["force_include"][str(source)] = f"cstrdf/_publication/{folder}"
