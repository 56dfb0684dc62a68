"""mkdocs hooks for the cookbook's site; mkdocs.yml names this file under `hooks:`.

mkdocs loads a hook file by path, outside any package, so the logic lives in the installed
harness package and is only re-exported here.
"""

from cookbook_harness.site import on_page_markdown

__all__ = ["on_page_markdown"]
