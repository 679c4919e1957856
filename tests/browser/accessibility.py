"""axe-core on a page as it is now, held to WCAG 2.2 level AA.

The engine is the copy of axe-core that the ``axe-playwright-python`` package ships
(installed by ``make test`` with the testing extra): nothing is fetched at run time.
"""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

#: every success criterion up to WCAG 2.2 AA that axe can check
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE = Axe()


def violations(page) -> list[str]:
    """One line per rule the page breaks, with the elements that break it; empty when it breaks none."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA},
                                      "resultTypes": ["violations"]})
    return [f"{rule['id']} ({rule['impact']}): {rule['help']} -- "
            + "; ".join(" ".join(node["target"]) for node in rule["nodes"])
            for rule in results.response["violations"]]
