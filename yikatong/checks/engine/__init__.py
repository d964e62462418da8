"""The check engine: rules from Polars frames to a findings frame, with no Django imports.

The same rules run over a plan's lines inside the platform and over files an auditor brings
(``files.load_directory``); ``runner.run`` applies the catalogue and says which rules it had to skip.
"""

from yikatong.checks.engine.catalogue import CATALOGUE, Rule
from yikatong.checks.engine.inputs import AuditInputs
from yikatong.checks.engine.runner import AuditResult, run

__all__ = ["CATALOGUE", "AuditInputs", "AuditResult", "Rule", "run"]
